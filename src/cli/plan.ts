/** `mvnet plan`: the plan and the predicted matrix. */
import { plan } from '../plan/allocate.ts';
import { predict } from '../predict/predict.ts';
import { planJson, planText } from '../render/plan.ts';
import { loadTopology } from '../topology/load.ts';
import { printJson } from './output.ts';

export interface PlanOptions { file: string; json?: boolean }

export async function planCommand(o: PlanOptions): Promise<number> {
  const topo = loadTopology(o.file);
  const p = plan(topo);
  const pred = predict(p);
  if (o.json) printJson(planJson(p, pred));
  else process.stdout.write(planText(p, pred) + '\n');
  return 0;
}
