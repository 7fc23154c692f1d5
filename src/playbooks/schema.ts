import { z } from 'zod';
import { ROLES } from '../config/schema.ts';
import { parseDuration } from '../domain/duration.ts';

/** Longest wait a playbook may hold: a year. Far beyond, no date can be written for the step (a run stuck half-way). */
const MAX_PLAYBOOK_DURATION_MS = 365 * 86_400_000;

/**
 * A duration such as `30s`, `15m`, `2h` or `1d`. A refusal quotes what the file says (`after: 5
 * minutes`, or a bare `5` YAML reads as a number), never an example the author did not write.
 */
export const durationText = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number' ? `must be a duration with its unit, like 30s, 15m, 2h or 1d (not ${iss.input} alone)` : undefined,
  })
  .refine((s) => parseDuration(s) !== undefined, {
    error: (iss) => `must be a duration like 30s, 15m, 2h or 1d (not ${JSON.stringify(iss.input)})`,
  })
  .refine((s) => (parseDuration(s) ?? 0) <= MAX_PLAYBOOK_DURATION_MS, 'must be at most 365d');

const language = z.string().regex(/^[a-z]{2,3}$/, 'must be a language code like en, fr or ar');

/** A text in several languages; `{{param}}` placeholders are filled at run time. */
export const localisedText = z
  .record(language, z.string().trim().min(1, 'must not be empty').max(4_000))
  .refine((t) => Object.keys(t).length > 0, 'must have at least one language')
  .refine((t) => 'en' in t, 'must have an English (en) text');
export type LocalisedText = z.infer<typeof localisedText>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const paramName = z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'must be a lower-case identifier like region or casualties');

/** One parameter a run takes, e.g. `region: { type: region, required: true }`. */
export const parameterSchema = z
  .strictObject({
    type: z.enum(['string', 'number', 'boolean', 'region', 'enum']),
    description: z.string().min(1),
    required: z.boolean().default(false),
    default: scalar.optional(),
    /** Allowed values of an `enum` parameter. */
    values: z.array(z.string().min(1)).min(1).optional(),
    /** For a `region` parameter: whether `all` (every region) is accepted. */
    allowAll: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (p.type === 'enum' && !p.values)
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum parameter must list its values' });
    if (p.required && p.default !== undefined)
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'a required parameter cannot have a default' });
  });
export type ParameterSpec = z.infer<typeof parameterSchema>;

/** Runs a step only when a parameter has (or is one of) the given value(s). */
const condition = z
  .strictObject({ param: paramName, equals: scalar.optional(), in: z.array(scalar).min(1).optional(), notEquals: scalar.optional() })
  .refine((c) => [c.equals, c.in, c.notEquals].filter((v) => v !== undefined).length === 1, 'give exactly one of equals, in or notEquals');
export type StepCondition = z.infer<typeof condition>;

/** Who an alert or welfare check goes to; `$param` names a region parameter. */
const audienceFields = {
  all: z.boolean().optional(),
  regions: z.array(z.string().min(1)).min(1).optional(),
  languages: z.array(language).optional(),
};
/** Regions or all: true, never both. */
function checkedAudience<T extends z.ZodType<{ all?: boolean; regions?: string[] }>>(schema: T) {
  return (
    schema
      .refine((a) => a.all === true || a.regions, 'name regions or set all: true')
      // A regional alert must never reach the whole country: all: true would win over the regions.
      .refine((a) => !(a.all === true && a.regions), {
        message: 'give either all: true or regions, not both (all reaches every region)',
        path: ['regions'],
      })
  );
}
const audience = checkedAudience(z.strictObject(audienceFields));
/** An alert also reaches who reported from its regions without registering, unless `reporters: false`. */
const alertAudience = checkedAudience(z.strictObject({ ...audienceFields, reporters: z.boolean().optional() }));
export type StepAudience = z.infer<typeof audience>;

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  title: z.string().min(1).max(120),
  /** Delay after the previous step finished (or after the start, for the first step). */
  after: durationText.optional(),
  when: condition.optional(),
};

const taskItem = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  role: z.enum(ROLES),
  due: durationText,
  text: localisedText,
});

const huddleMember = z.strictObject({ role: z.enum(ROLES), as: z.string().min(1).max(60) });

/** Every step type and its fields. */
export const stepSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ ...base, type: z.literal('notify'), text: localisedText }),
    z.strictObject({ ...base, type: z.literal('alert'), audience: alertAudience, text: localisedText }),
    z.strictObject({ ...base, type: z.literal('welfare_check'), audience, text: localisedText.optional() }),
    z.strictObject({ ...base, type: z.literal('tasks'), items: z.array(taskItem).min(1) }),
    z.strictObject({ ...base, type: z.literal('wait'), duration: durationText, text: localisedText.optional() }),
    z.strictObject({ ...base, type: z.literal('sitrep'), text: localisedText.optional() }),
    z.strictObject({
      ...base,
      type: z.literal('huddle'),
      name: z.string().min(1).max(100),
      members: z.array(huddleMember).min(1),
      text: localisedText,
    }),
    z.strictObject({ ...base, type: z.literal('escalate'), role: z.enum(ROLES).default('duty_officer'), text: localisedText }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? 'type must be one of notify, alert, welfare_check, tasks, wait, sitrep, huddle, escalate' : undefined,
  },
);
export type Step = z.infer<typeof stepSchema>;
export type StepType = Step['type'];

/** A playbook file. */
export const playbookSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  title: z.string().min(1).max(120),
  version: z.number().int().positive(),
  description: z.string().min(1),
  parameters: z.record(paramName, parameterSchema).default({}),
  steps: z.array(stepSchema).min(1, 'must have at least one step'),
});
export type Playbook = z.infer<typeof playbookSchema>;
