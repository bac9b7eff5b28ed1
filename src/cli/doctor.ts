/** `mvnet doctor`. */
import { doctor } from '../lab/doctor.ts';
import { columns, hang } from '../render/columns.ts';
import { LOOK } from './look.ts';
import { printJson } from './output.ts';

export async function doctorCommand(o: { json?: boolean }): Promise<number> {
  const checks = await doctor();
  const bad = checks.filter((c) => !c.ok && !c.optional);
  if (o.json) printJson({ ok: bad.length === 0, checks });
  else {
    process.stdout.write(
      columns(
        ['check', 'result', 'detail'],
        checks.map((c) => [c.name, c.ok ? 'ok' : c.optional ? 'limit' : 'MISSING', c.detail]),
        LOOK.width,
      ) + '\n',
    );
    const fixes = checks.filter((c) => !c.ok && c.fix);
    if (fixes.length)
      process.stdout.write('\n' + fixes.map((c) => hang(`  ${c.name}: `, c.fix!, LOOK.width)).join('\n') + '\n');
    process.stdout.write(
      bad.length === 0 ? 'mvnet and its lab can run here.\n' : `${bad.length} thing(s) missing: see the fixes above.\n`,
    );
  }
  return bad.length === 0 ? 0 : 2;
}
