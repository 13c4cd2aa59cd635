// The `import` section: a ReqIF file of 10,000 SPEC-OBJECTs (XHTML bodies, a few attributes) and
// 10,000 SPEC-RELATIONs, written here as another tool would write it, imported into an empty
// project, imported again (everything matched, nothing changed), and the result exported as
// ReqIF; the service's resident memory sampled throughout, its growth over the start reported.
import { call, peakDuring, rssMiB, times, timedRow, type Row } from './drive.js';

const OBJECTS = 10_000;

/** A ReqIF file as DOORS would shape it: one module, its objects, relations between them. */
export function reqifFile(): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    '<THE-HEADER><REQ-IF-HEADER IDENTIFIER="bench-header"><TITLE>Bench module</TITLE></REQ-IF-HEADER></THE-HEADER>',
    '<CORE-CONTENT><REQ-IF-CONTENT><DATATYPES>',
    '<DATATYPE-DEFINITION-STRING IDENTIFIER="dt-s" LAST-CHANGE="2024-01-01T00:00:00Z" MAX-LENGTH="1000"/>',
    '<DATATYPE-DEFINITION-XHTML IDENTIFIER="dt-x" LAST-CHANGE="2024-01-01T00:00:00Z"/>',
    '</DATATYPES><SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER="ot" LAST-CHANGE="2024-01-01T00:00:00Z"><SPEC-ATTRIBUTES>',
    '<ATTRIBUTE-DEFINITION-STRING IDENTIFIER="a-id" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="ReqIF.ForeignID"><TYPE><DATATYPE-DEFINITION-STRING-REF>dt-s</DATATYPE-DEFINITION-STRING-REF></TYPE></ATTRIBUTE-DEFINITION-STRING>',
    '<ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="a-head" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="Object Heading"><TYPE><DATATYPE-DEFINITION-XHTML-REF>dt-x</DATATYPE-DEFINITION-XHTML-REF></TYPE></ATTRIBUTE-DEFINITION-XHTML>',
    '<ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="a-text" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="Object Text"><TYPE><DATATYPE-DEFINITION-XHTML-REF>dt-x</DATATYPE-DEFINITION-XHTML-REF></TYPE></ATTRIBUTE-DEFINITION-XHTML>',
    '<ATTRIBUTE-DEFINITION-STRING IDENTIFIER="a-prio" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="Priority"><TYPE><DATATYPE-DEFINITION-STRING-REF>dt-s</DATATYPE-DEFINITION-STRING-REF></TYPE></ATTRIBUTE-DEFINITION-STRING>',
    '</SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE>',
    '<SPEC-RELATION-TYPE IDENTIFIER="rt" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="Satisfies"/>',
    '</SPEC-TYPES><SPEC-OBJECTS>',
  ];
  const value = (def: string, kind: string, content: string) =>
    kind === 'XHTML'
      ? `<ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>${def}</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION><THE-VALUE><xhtml:div>${content}</xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>`
      : `<ATTRIBUTE-VALUE-STRING THE-VALUE="${content}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>${def}</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>`;
  for (let i = 0; i < OBJECTS; i++) {
    const heading = i % 10 === 0 ? value('a-head', 'XHTML', `Chapter ${i / 10 + 1}`) : '';
    parts.push(
      `<SPEC-OBJECT IDENTIFIER="obj-${i}" LAST-CHANGE="2024-01-01T00:00:00Z"><TYPE><SPEC-OBJECT-TYPE-REF>ot</SPEC-OBJECT-TYPE-REF></TYPE><VALUES>`,
      value('a-id', 'STRING', String(i + 1)),
      heading,
      value(
        'a-text',
        'XHTML',
        `<xhtml:p>The system <xhtml:b>shall</xhtml:b> meet requirement ${i + 1}, as measured by the bench.</xhtml:p><xhtml:ul><xhtml:li>first condition</xhtml:li><xhtml:li>second condition</xhtml:li></xhtml:ul>`,
      ),
      value('a-prio', 'STRING', ['High', 'Medium', 'Low'][i % 3]!),
      '</VALUES></SPEC-OBJECT>\n',
    );
  }
  parts.push('</SPEC-OBJECTS><SPEC-RELATIONS>');
  for (let i = 0; i < OBJECTS; i++) {
    parts.push(
      `<SPEC-RELATION IDENTIFIER="rel-${i}" LAST-CHANGE="2024-01-01T00:00:00Z"><TYPE><SPEC-RELATION-TYPE-REF>rt</SPEC-RELATION-TYPE-REF></TYPE>`,
      `<SOURCE><SPEC-OBJECT-REF>obj-${i}</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>obj-${(i * 7 + 1) % OBJECTS}</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>\n`,
    );
  }
  parts.push(
    '</SPEC-RELATIONS><SPECIFICATIONS><SPECIFICATION IDENTIFIER="spec" LAST-CHANGE="2024-01-01T00:00:00Z" LONG-NAME="Bench module"><CHILDREN>',
  );
  for (let i = 0; i < OBJECTS; i++) {
    parts.push(
      `<SPEC-HIERARCHY IDENTIFIER="h-${i}" LAST-CHANGE="2024-01-01T00:00:00Z"><OBJECT><SPEC-OBJECT-REF>obj-${i}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>\n`,
    );
  }
  parts.push(
    '</CHILDREN></SPECIFICATION></SPECIFICATIONS></REQ-IF-CONTENT></CORE-CONTENT></REQ-IF>\n',
  );
  return parts.join('');
}

export async function imports(
  base: string,
  auth: Record<string, string>,
  rows: Row[],
  notes: string[],
): Promise<void> {
  const api = `${base}/api/v1`;
  const backend = process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded';
  const file = reqifFile();
  const mib = (Buffer.byteLength(file) / 2 ** 20).toFixed(1);
  const made = (await (
    await call(`${api}/projects`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Import bench ${Date.now()}` }),
    })
  ).json()) as { id: string };
  const post = () =>
    call(`${api}/projects/${made.id}/imports`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/xml' },
      body: file,
    });
  const start = await rssMiB(base);
  const [first, firstPeak] = await peakDuring(base, () => times(1, post));
  const created = first.last as {
    created: number;
    links: number;
    specifications: { id: string }[];
  };
  const [again, againPeak] = await peakDuring(base, () => times(1, post));
  const unchanged = (again.last as { unchanged: number }).unchanged;
  const spec = created.specifications[0]!.id;
  const exportOnce = async () => {
    const res = await call(`${api}/specifications/${spec}/export?format=reqif`, { headers: auth });
    const bytes = (await res.arrayBuffer()).byteLength;
    return new Response(JSON.stringify({ bytes }));
  };
  const [exported, exportPeak] = await peakDuring(base, () => times(3, exportOnce));

  const row = timedRow;
  rows.push(
    row(`POST import ReqIF 10k+10k (${backend})`, first),
    row(`POST import ReqIF again, unchanged (${backend})`, again),
    row(`GET export ReqIF 10k (${backend})`, exported),
  );
  notes.push(
    `import (${backend}): a ${mib} MiB ReqIF file, ${created.created} items and ${created.links} links, in ${first.median.toFixed(0)} ms (target <= 10000 on PostgreSQL); again (${unchanged} unchanged) in ${again.median.toFixed(0)} ms`,
  );
  notes.push(
    `import (${backend}): ReqIF export of the 10k items median ${exported.median.toFixed(0)} ms (target <= 3000), ${((exported.last as { bytes: number }).bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  notes.push(
    `import (${backend}): service RSS ${start.toFixed(0)} MiB at the start, peak ${firstPeak.toFixed(0)} importing (+${(firstPeak - start).toFixed(0)}; target <= +200), ${againPeak.toFixed(0)} re-importing, ${exportPeak.toFixed(0)} exporting`,
  );
}
