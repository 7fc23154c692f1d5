import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';
import { runAlert } from './alert.ts';
import { runEscalate } from './escalate.ts';
import { runHuddle } from './huddle.ts';
import { runNotify } from './notify.ts';
import { runSitrep } from './sitrep.ts';
import { runTasks } from './tasks.ts';
import { runWait } from './wait.ts';
import { runWelfareCheck } from './welfare-check.ts';

/** Runs one step with the executor of its type; resolves with a short note of what it did. */
export function executeStep(sc: StepContext, step: Step): Promise<string> {
  switch (step.type) {
    case 'notify':
      return runNotify(sc, step);
    case 'alert':
      return runAlert(sc, step);
    case 'welfare_check':
      return runWelfareCheck(sc, step);
    case 'tasks':
      return runTasks(sc, step);
    case 'wait':
      return runWait(sc, step);
    case 'sitrep':
      return runSitrep(sc, step);
    case 'huddle':
      return runHuddle(sc, step);
    case 'escalate':
      return runEscalate(sc, step);
  }
}
