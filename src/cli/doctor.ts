/** `mvnet doctor`. */
import { doctor } from '../lab/doctor.ts';
import { table } from '../render/tables.ts';
import { printJson } from './output.ts';

export async function doctorCommand(o: { json?: boolean }): Promise<number> {
  const checks = await doctor();
  const bad = checks.filter((c) => !c.ok && !c.optional);
  if (o.json) printJson({ ok: bad.length === 0, checks });
  else {
    process.stdout.write(table(['check', 'result', 'detail', 'fix'], checks.map((c) => [c.name, c.ok ? 'ok' : c.optional ? 'limit' : 'MISSING', c.detail, c.ok ? '' : c.fix ?? ''])) + '\n');
    process.stdout.write(bad.length === 0 ? 'mvnet and its lab can run here.\n' : `${bad.length} thing(s) missing: see the fix column.\n`);
  }
  return bad.length === 0 ? 0 : 2;
}
