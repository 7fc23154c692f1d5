import { isPossiblePhoneNumber, isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { parseDuration } from '../domain/duration.ts';
import { toE164 } from '../domain/roster.ts';
import { foldText } from '../domain/text-normalise.ts';

/** An E.164 phone number such as +15550000001. */
export const e164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number like +15550000001')
  .refine((p) => isPossiblePhoneNumber(p), 'is not a possible phone number');

/**
 * A phone as an embassy admin writes it in the config file: `+1 555 000 0003` (spaces, dots, dashes,
 * brackets), kept as E.164 (`+15550000003`), the form every phone the bot compares is in (the roster
 * against WhatsApp senders, /assign, tokens). The same helper reads the API's assignee. The `+` stays
 * required: the file builds the roster, and a number without its country code ("612345678") would be
 * read in the wrong country with nothing to catch it.
 */
const phoneAsWritten = z
  .string()
  .transform((raw) => {
    const text = raw.trim();
    return /^\+[\d\s().-]+$/.test(text) ? (toE164(text) ?? text) : text;
  })
  .pipe(e164);

export const ROLES = ['admin', 'duty_officer', 'officer', 'viewer'] as const;
/** What a member of staff may do; ordered from most to least powerful. */
export type Role = (typeof ROLES)[number];

const language = z.string().regex(/^[a-z]{2,3}$/, 'must be a language code like en, fr or ar');
/** Longest configurable duration: timers (setInterval) cannot wait longer than about 24.8 days. */
const MAX_DURATION_MS = 24 * 86_400_000;
const duration = z
  .string()
  .regex(/^\d+\s*(s|m|h|d)$/, 'must be a duration like 30s, 5m, 2h or 1d')
  .refine((d) => {
    const ms = parseDuration(d) ?? 0;
    return ms >= 1_000 && ms <= MAX_DURATION_MS;
  }, 'must be from 1s to 24d');

/** The embassy's configuration file (YAML). Every field is documented in the README. */
export const configFileSchema = z
  .object({
    embassy: z.strictObject({
      name: z.string().min(1),
      number: phoneAsWritten,
      country: z
        .string()
        .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 country code like SY')
        // National numbers ("0612 345 678") are read in this country: one with no phone plan reads none.
        .refine((c) => isSupportedCountry(c), 'is not a country with a phone numbering plan; use its ISO 3166 alpha-2 code, like SY'),
      /** The local emergency number citizens are told to call (e.g. 112). */
      emergencyNumber: z.string().min(2).max(20).optional(),
      /** The embassy's round-the-clock consular phone line. */
      dutyPhone: z.string().min(3).max(30).optional(),
    }),
    languages: z.array(language).min(1, 'must list at least one language'),
    regions: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[a-z0-9_-]+$/, 'must be lower-case letters, digits, - or _'),
          name: z.string().min(1),
          aliases: z.array(z.string().min(2)).default([]),
          /** Centre of the region, to place location pins. */
          center: z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).optional(),
          /** Pins within this distance of the centre belong to the region. */
          radiusKm: z.number().positive().max(5000).default(50),
        }),
      )
      .min(1, 'must list at least one region'),
    staff: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1, 'must not be empty'),
          phone: phoneAsWritten,
          roles: z.array(z.enum(ROLES)).min(1),
        }),
      )
      .default([]),
    cellGroups: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[\w-]+@g\.us$/, 'must be a WhatsApp group id ending in @g.us'),
          name: z.string().min(1),
        }),
      )
      .default([]),
    broadcast: z
      .strictObject({
        ratePerSecond: z.number().positive().max(1000).default(5),
        approvalThreshold: z.number().int().nonnegative().default(25),
        /** Welfare checks: how long after their own question a non-responder is reminded (default 2h), and when they are listed for phone follow-up (default 6h). */
        welfareReminderAfter: duration.optional(),
        welfareFollowUpAfter: duration.optional(),
        /**
         * Welfare checks close by themselves this long after they started (default 3d, or a day
         * after welfareFollowUpAfter when that is later): no more reminders, the final tally is posted.
         */
        welfareCloseAfter: duration.optional(),
        /**
         * How often the running app takes up again an alert or welfare check whose queueing gave
         * up after repeated errors (a long Redis outage, Redis refusing writes; default 2m): see the README.
         */
        fanOutRetryEvery: duration.optional(),
      })
      .prefault({}),
    escalation: z
      .strictObject({
        /**
         * Time to acknowledge before the duty officers are paged, by severity. A severity left out
         * keeps its default: `{critical: 2m}` must not leave the others never paged.
         */
        ackDeadline: z
          .strictObject({
            critical: duration.default('5m'),
            high: duration.default('15m'),
            medium: duration.default('1h'),
            low: duration.default('4h'),
          })
          .prefault({}),
        /** Further time without acknowledgement before the admins are paged. */
        secondDeadline: duration.default('10m'),
      })
      .prefault({}),
    digest: z
      .strictObject({
        /** More new incidents than this within `window` are posted as one digest. */
        maxCardsPerWindow: z.number().int().positive().default(5),
        /**
         * Critical incidents get their own card until the window holds this many cards (default:
         * four times maxCardsPerWindow); beyond, they too go to the digest, listed first. The same
         * window bounds escalation re-posts and pages.
         */
        maxCriticalCardsPerWindow: z.number().int().positive().optional(),
        window: duration.default('1m'),
      })
      .prefault({}),
    membershipGuard: z
      .strictObject({
        /** Remove an unknown member from a cell group (only works when the embassy number is a group admin). */
        removeUnknown: z.boolean().default(false),
        /** How often cell-group members are checked against the roster. */
        reconcileEvery: duration.default('15m'),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    cfg.staff.forEach((s, i) => {
      // The bot never takes a message from its own number as a command: that member could never act.
      if (s.phone === cfg.embassy.number)
        ctx.addIssue({ code: 'custom', path: ['staff', i, 'phone'], message: "is the embassy's own number (embassy.number)" });
    });
    flagRepeats(
      ctx,
      cfg.staff.map((s) => s.phone),
      (i) => ['staff', i, 'phone'],
    );
    flagRepeats(
      ctx,
      cfg.regions.map((r) => r.id),
      (i) => ['regions', i, 'id'],
    );
    checkRegionWords(cfg.regions, ctx);
    checkWelfareClose(cfg.broadcast, ctx);
    flagRepeats(
      ctx,
      cfg.cellGroups.map((g) => g.id),
      (i) => ['cellGroups', i, 'id'],
    );
    flagRepeats(
      ctx,
      cfg.languages,
      (i) => ['languages', i],
      (l) => `"${l}" `,
    );
  });

/**
 * Flags each value that repeats an earlier one of its list: "is listed twice, also in entry 2", the
 * entry counted from 1 as the admin reading the error counts (and as the loader names entries).
 */
function flagRepeats(
  ctx: z.RefinementCtx,
  values: readonly string[],
  path: (i: number) => PropertyKey[],
  prefix = (_v: string) => '',
): void {
  const first = new Map<string, number>();
  values.forEach((v, i) => {
    const earlier = first.get(v);
    if (earlier === undefined) first.set(v, i);
    else ctx.addIssue({ code: 'custom', path: path(i), message: `${prefix(v)}is listed twice, also in entry ${earlier + 1}` });
  });
}

/** Defaults of the welfare-check timers (see the README). */
export const WELFARE_DEFAULTS = { reminderAfter: '2h', followUpAfter: '6h', closeAfter: '3d' } as const;

/**
 * A welfare check that closed by itself before its follow-up would never list its non-responders
 * for phone follow-up, nor, before its reminder, remind them.
 */
function checkWelfareClose(
  b: { welfareReminderAfter?: string | undefined; welfareFollowUpAfter?: string | undefined; welfareCloseAfter?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (!b.welfareCloseAfter) return;
  const close = parseDuration(b.welfareCloseAfter) ?? 0;
  const before = [
    ['welfareFollowUpAfter', b.welfareFollowUpAfter ?? WELFARE_DEFAULTS.followUpAfter, 'list its non-responders for phone follow-up'],
    ['welfareReminderAfter', b.welfareReminderAfter ?? WELFARE_DEFAULTS.reminderAfter, 'remind its non-responders'],
  ] as const;
  for (const [field, value, what] of before) {
    if (close > (parseDuration(value) ?? 0)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['broadcast', 'welfareCloseAfter'],
      message: `must be longer than broadcast.${field} (${value}): a check closed by then would never ${what}`,
    });
    return;
  }
}

/**
 * A region's id, name and aliases are the words citizens and staff name it by: one word naming
 * two regions would file a citizen (or send an alert) to whichever region is listed first.
 */
function checkRegionWords(regions: readonly { id: string; name: string; aliases: readonly string[] }[], ctx: z.RefinementCtx): void {
  const owner = new Map<string, string>();
  regions.forEach((r, i) => {
    const words: [string, (string | number)[]][] = [
      [r.id, ['id']],
      [r.name, ['name']],
      ...r.aliases.map((a, k): [string, (string | number)[]] => [a, ['aliases', k]]),
    ];
    for (const [word, at] of words) {
      const folded = foldText(word);
      // `/alert all`, `/welfare all` and a playbook's region=all mean every region.
      if (folded === 'all') {
        ctx.addIssue({
          code: 'custom',
          path: ['regions', i, ...at],
          message: '"all" means every region in /alert, /welfare and playbooks',
        });
        continue;
      }
      const other = owner.get(folded);
      if (other !== undefined && other !== r.id) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, ...at], message: `"${word}" also names region ${other}` });
      } else owner.set(folded, r.id);
    }
  });
}

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Settings from the environment (see README, "Configuration"). */
export const envSchema = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number({ error: 'must be a port number from 0 to 65535' }).int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  TRANSPORT: z.enum(['simulator', 'baileys']).default('simulator'),
  CRISIS_CELL_CONFIG: z.string().default('config/example.yaml'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(['all', 'gateway', 'worker', 'api']).default('all'),
  KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, dot, dash or underscore')
    .default('cc'),
  /** Sends per second of the outbound queue; defaults to broadcast.ratePerSecond. */
  OUTBOUND_RATE: z.coerce.number({ error: 'must be a number of sends per second' }).positive().optional(),
  /** Where the embedded Redis keeps its data when one is started. */
  DATA_DIR: z.string().default('data'),
  /**
   * The gateway's local spool file: inbound WhatsApp messages Redis cannot take during an outage
   * wait there (JSON lines, fsync'd) until Redis answers. Default DATA_DIR/inbound-spool-KEY_PREFIX.jsonl.
   */
  INBOUND_SPOOL: z.string().min(1).optional(),
  /**
   * Baileys: the embassy's number, to pair by code instead of QR. Taken as people write it
   * ("+33 6 12 34 56 78", "33612345678"), with its country code; kept in E.164.
   */
  PAIRING_NUMBER: z
    .string()
    .transform((v) => v.trim())
    .refine((v) => /^\+?[\d\s().-]+$/.test(v), "must be the embassy's WhatsApp number with its country code, like +33612345678")
    .transform((v) => `+${v.replace(/\D/g, '')}`)
    .pipe(
      z
        .string()
        .regex(/^\+[1-9]\d{6,14}$/, "must be the embassy's WhatsApp number with its country code, like +33612345678")
        .refine((p) => isPossiblePhoneNumber(p), 'is not a possible phone number (is the country code there?)'),
    )
    .optional(),
});

export type Env = z.infer<typeof envSchema>;
