/** A saved plan is sealed: any edit of its topology or changes is refused, and a malformed one is named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/cli/topology-file.ts';
import { readSavedPlan, savedPlan } from '../../src/cli/saved-plan.ts';
import { MvnetError } from '../../src/errors.ts';

test('a saved plan reads back; edited, malformed or unsealed it is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-saved-'));
  try {
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, readFileSync('examples/seed.yaml'));
    const saved = savedPlan(loadTopology(file), []);
    const path = join(dir, 'plan.json');
    const write = (v: unknown) => writeFileSync(path, JSON.stringify(v, null, 2));
    write(saved);
    assert.equal(readSavedPlan(path)?.topology, saved.topology);
    const refused = (v: unknown, message: RegExp) => {
      write(v);
      assert.throws(
        () => readSavedPlan(path),
        (e: unknown) => e instanceof MvnetError && message.test(e.message),
      );
    };
    refused({ ...saved, topology: saved.topology.replace('10.100.1.1', '10.100.1.9') }, /was changed after/);
    refused(
      { ...saved, changes: [{ host: 'host1', kind: 'container', name: 'x', action: 'create', liveId: null }] },
      /was changed after/,
    );
    refused({ ...saved, changes: [null] }, /is not a plan this mvnet saved/);
    const { digest: _, ...older } = saved;
    refused(older, /saved by an older mvnet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
