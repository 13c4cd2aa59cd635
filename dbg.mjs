import { PGlite } from '@electric-sql/pglite';
import { readdirSync } from 'node:fs';
const dir = process.argv[2];
console.log(readdirSync(dir));
const c = await PGlite.create(`${dir}/pgdata`);
console.log((await c.query('select id, email, left(password_hash, 30) from users')).rows);
console.log((await c.query('select count(*) from items')).rows);
