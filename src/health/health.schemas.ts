import { Type } from '@sinclair/typebox';

const Check = Type.Union([Type.Literal('ok'), Type.Literal('down')]);

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  version: Type.String(),
  checks: Type.Object({ database: Check, cache: Check }),
});

export const ProbeSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
});
