/**
 * `mvnet schema`: the topology file's JSON Schema, made from the same zod schema that checks every file, so an
 * editor (yaml-language-server, VS Code) completes and checks what mvnet accepts. The value rules that need the
 * whole file (addresses inside subnets, free ranges) stay mvnet's: `mvnet plan --offline` checks them.
 */
import { TopologySchema } from '../topology/schema.ts';

export async function topologyJsonSchema(): Promise<Record<string, unknown>> {
  const { zodToJsonSchema } = await import('zod-to-json-schema');
  const s = zodToJsonSchema(TopologySchema, {
    $refStrategy: 'none',
    target: 'jsonSchema7',
    pipeStrategy: 'input',
  }) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'mvnet topology',
    description: 'Docker macvlan networks across hosts: the LAN, the networks, the hosts and their containers',
    ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$schema')),
  };
}

export async function schemaCommand(): Promise<number> {
  process.stdout.write(JSON.stringify(await topologyJsonSchema(), null, 2) + '\n');
  return 0;
}
