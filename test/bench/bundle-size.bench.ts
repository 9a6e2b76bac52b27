/**
 * Bundle budgets (issue #12): gzip -9 of every JS file each extension context loads, against its
 * budget. `npm run bench` builds first, so this reads the dist/ of the same run. Reported, not asserted.
 */
import { measure, report } from '../../scripts/bundle-size';

export async function run(): Promise<void> {
  const ok = report(measure());
  console.log(ok ? 'every context is within its budget' : 'a context is OVER its budget (npx tsx scripts/bundle-size.ts -v lists its files)');
}
