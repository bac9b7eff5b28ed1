/** `mvnet export compose`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plan } from '../plan/allocate.ts';
import { composeFiles } from '../render/compose.ts';
import { loadTopology } from './topology-file.ts';
import { printJson } from './output.ts';

export async function exportComposeCommand(o: {
  file: string;
  json?: boolean;
  output?: string;
  external?: boolean;
}): Promise<number> {
  const files = composeFiles(plan(loadTopology(o.file)), { external: o.external });
  if (o.output) {
    mkdirSync(o.output, { recursive: true });
    for (const f of files) writeFileSync(join(o.output, f.file), f.text);
  }
  if (o.json)
    printJson({
      files: files.map((f) => ({ host: f.host, file: o.output ? join(o.output, f.file) : f.file, text: f.text })),
    });
  else if (o.output) process.stdout.write(files.map((f) => `wrote ${join(o.output!, f.file)}`).join('\n') + '\n');
  else process.stdout.write(files.map((f) => `---\n${f.text}`).join(''));
  return 0;
}
