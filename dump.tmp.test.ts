import { it } from 'vitest';
import { configFiles, errorsOf, FIXTURES, fixtureEntries, fullConfigsIn, stable, wrapFixture, missingComponent } from './test/support/conformance-configs.js';
it('dump', () => {
  for (const f of configFiles()) {
    if (f.startsWith('full/')) {
      for (const c of fullConfigsIn(f)) {
        const errs = errorsOf(c.config).map(stable);
        console.log(`### ${f} [${c.name}]`); for (const e of errs) console.log(`   ${missingComponent(e) ? 'MISSING' : 'OTHER  '} ${e}`);
      }
    } else if (FIXTURES[f]) {
      for (const [id, cfg] of fixtureEntries(f)) {
        const errs = errorsOf(wrapFixture(f, [[id, cfg]])).map(stable);
        console.log(`### ${f} [${id}]`); for (const e of errs) console.log(`   ${missingComponent(e) ? 'MISSING' : 'OTHER  '} ${e}`);
      }
    } else console.log('### UNKNOWN FILE', f);
  }
});
