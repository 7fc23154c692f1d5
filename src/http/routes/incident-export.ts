import type { Request, Response } from 'express';
import { z } from 'zod';
import { regionName, staffName } from '../../app/incidents/shared.ts';
import { ValidationError } from '../../domain/errors.ts';
import {
  ACTIVE_STATUSES,
  CATEGORIES,
  type Incident,
  type IncidentStatus,
  SEVERITIES,
  type Severity,
  STATUSES,
} from '../../domain/incident.ts';
import type { IncidentStore, IncidentWithTimelineCount } from '../../store/incident-store.ts';
import { CrossSiteRequestError, cookieFromAnotherOrigin } from '../auth.ts';
import { csvLine, UTF8_BOM } from '../csv.ts';
import { oneOrMore, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

/** A time: a day (2026-11-27, its midnight UTC) or a time with its zone (2026-11-27T14:00:00Z, +03:00). */
const instant = z.string().transform((typed, ctx) => {
  // A "+" left unencoded in a URL reads as a space ("…T14:00:00 03:00"): it was a zone all the same.
  const raw = typed.replace(/ (\d{2}:?\d{2})$/, '+$1');
  const ok = z.iso.date().safeParse(raw).success || z.iso.datetime({ offset: true }).safeParse(raw).success;
  const at = ok ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(at)) {
    ctx.addIssue({ code: 'custom', message: 'must be a day like 2026-11-27 or a time with its zone like 2026-11-27T14:00:00Z' });
    return z.NEVER;
  }
  return at;
});

const exportQuery = z.strictObject({
  format: z.enum(['csv', 'json']).default('csv'),
  status: oneOrMore(STATUSES, { active: ACTIVE_STATUSES })
    .optional()
    .describe('A status, `active` (open, acknowledged, in progress), or several separated by commas'),
  severity: oneOrMore(SEVERITIES).optional().describe('A severity, or several separated by commas'),
  category: oneOrMore(CATEGORIES).optional().describe('A category, or several separated by commas'),
  region: z.string().max(200).optional().describe('A configured region id, or several separated by commas'),
  from: instant.optional().describe('Reported at or after this time (a day is its midnight UTC)'),
  to: instant.optional().describe('Reported before this time: to=2026-11-28 takes all of 27 November (UTC)'),
});
type ExportQuery = z.infer<typeof exportQuery>;

documentRoute({
  method: 'get',
  path: '/api/incidents/export',
  summary:
    'Every incident the filters select, oldest first, streamed: CSV for spreadsheets (UTF-8 with BOM, one row per incident) or JSON (incidents with their timelines). Audited as incidents.export_started before the first byte and incidents.exported (rows, complete) at the end; officers up',
  role: 'officer',
  tags: ['incidents'],
  query: exportQuery,
  produces: ['text/csv', 'application/json'],
});

export const CSV_HEADER = [
  'id',
  'status',
  'severity',
  'category',
  'region',
  'reporter',
  'assignee',
  'created at (UTC)',
  'acknowledged at (UTC)',
  'resolved at (UTC)',
  'seconds to acknowledge',
  'summary',
  'timeline entries',
];

/** The export was cut before its end: the client went away. */
class ExportCut extends Error {}

/** Writes `chunk`, waiting while the client reads slower than Redis gives (nothing piles up in memory). */
function send(res: Response, chunk: string): Promise<void> {
  if (res.destroyed) return Promise.reject(new ExportCut());
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drained = () => {
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', drained);
      reject(new ExportCut());
    };
    res.once('drain', drained);
    res.once('close', closed);
  });
}

const utc = (at: string | null): string => (at ? new Date(at).toISOString() : '');

function csvRow(deps: HttpDeps, i: IncidentWithTimelineCount): string {
  const ack = i.acknowledgedAt ? Math.round((Date.parse(i.acknowledgedAt) - Date.parse(i.createdAt)) / 1000) : '';
  return csvLine([
    i.id,
    i.status,
    i.severity,
    i.category,
    i.region ? regionName(deps, i.region) : '',
    i.reporter ?? '[erased]',
    i.assignee ? staffName(deps, i.assignee) : '',
    utc(i.createdAt),
    utc(i.acknowledgedAt),
    utc(i.resolvedAt),
    ack,
    i.summary,
    i.timelineCount,
  ]);
}

/** The filters as a predicate on an incident as it stands now (the index read may be a moment older). */
function matcher(q: ExportQuery, regions: string[] | undefined): (i: Omit<Incident, 'timeline'>) => boolean {
  return (i) => {
    const created = Date.parse(i.createdAt);
    return (
      (!q.status || q.status.includes(i.status)) &&
      (!q.severity || q.severity.includes(i.severity)) &&
      (!q.category || q.category.includes(i.category)) &&
      (!regions || (i.region !== null && regions.includes(i.region))) &&
      (q.from === undefined || created >= q.from) &&
      (q.to === undefined || created < q.to)
    );
  };
}

/** The query checked whole, before anything is sent: a bad filter is a 400, never a file that looks right. */
function checkedQuery(deps: HttpDeps, req: Request): { q: ExportQuery; regions: string[] | undefined } {
  const q = validate(exportQuery, req.query, 'query');
  const ids = deps.config.regions.map((r) => r.id);
  const regions = q.region?.split(',').map((r) => r.trim());
  const unknown = regions?.find((r) => !ids.includes(r));
  if (unknown !== undefined)
    throw new ValidationError(`query.region: unknown region "${unknown.slice(0, 40)}"; configured: ${ids.join(', ')}`);
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to)
    throw new ValidationError('query.to: must be later than from (to is not included: to=2026-11-28 takes all of 27 November)');
  return { q, regions };
}

/** The filters as asked, for the audit trail and the JSON export (no personal data in them). */
function filtersOf(q: ExportQuery, regions: string[] | undefined): Record<string, unknown> {
  const at = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  const all = { status: q.status, severity: q.severity, category: q.category, region: regions, from: at(q.from), to: at(q.to) };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/**
 * Writes the export: the headers once the first batch is read, the CSV header or the JSON head, each
 * incident the filters want (`written.rows` counts them, for an export cut short too), the JSON tail.
 */
async function writeExport(
  deps: HttpDeps,
  res: Response,
  e: {
    format: 'csv' | 'json';
    head: { stamp: string; filters: Record<string, unknown> };
    scan: Scan;
    wanted: (i: Omit<Incident, 'timeline'>) => boolean;
  },
  written: { rows: number },
): Promise<void> {
  let batch = await e.scan.next();
  res.status(200);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-type', e.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  const { stamp, filters } = e.head;
  res.setHeader('content-disposition', `attachment; filename="incidents-${stamp.slice(0, 16).replace(/:/g, '')}Z.${e.format}"`);
  await send(
    res,
    e.format === 'csv' ? UTF8_BOM + csvLine(CSV_HEADER) : `{"exportedAt":"${stamp}","filters":${JSON.stringify(filters)},"items":[`,
  );
  while (!batch.done) {
    let chunk = '';
    for (const i of batch.value) {
      if (!e.wanted(i)) continue;
      chunk += e.format === 'csv' ? csvRow(deps, i as IncidentWithTimelineCount) : `${written.rows > 0 ? ',' : ''}\n${JSON.stringify(i)}`;
      written.rows += 1;
    }
    if (chunk) await send(res, chunk);
    batch = await e.scan.next();
  }
  if (e.format === 'json') await send(res, `\n],"count":${written.rows}}\n`);
}

/** The incidents of an export, a batch at a time (IncidentStore.scan). */
type Scan = ReturnType<IncidentStore['scan']>;

/**
 * GET /api/incidents/export: streams every incident the filters select, a batch at a time read from
 * Redis, written as fast as the client takes it. Audited before the first byte (an export that cannot
 * be audited does not start) and at its end with how many incidents left the system; an export cut short (the client gone, Redis failing) is audited as incomplete and
 * ends the response abruptly, so that a truncated file never passes for a whole one.
 */
export async function exportIncidents(deps: HttpDeps, store: IncidentStore, req: Request, res: Response): Promise<void> {
  // A link on a page of another origin would make the officer's browser download citizens' phones.
  if (cookieFromAnotherOrigin(req)) throw new CrossSiteRequestError();
  const { q, regions } = checkedQuery(deps, req);
  const filters = filtersOf(q, regions);
  // Express answers HEAD with the GET route: it reads nothing and hands nothing over, so it is not an export.
  if (req.method === 'HEAD') {
    res
      .status(200)
      .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .end();
    return;
  }
  // On the record before anything leaves: an export the process dies in the middle of is still known.
  await deps.audit.append({
    type: 'incidents.export_started',
    actor: req.principal?.name ?? 'unknown',
    data: { format: q.format, filters },
  });
  const wanted = matcher(q, regions);
  const stamp = new Date(deps.now()).toISOString();
  const scan = store.scan({
    ...(q.status?.length === 1 ? { status: q.status[0] as IncidentStatus } : {}),
    ...(q.severity?.length === 1 ? { severity: q.severity[0] as Severity } : {}),
    // The hourly report reads the incidents of its hour (and a few minutes around), not all of them.
    ...(q.from !== undefined || q.to !== undefined ? { created: { from: q.from, to: q.to } } : {}),
    batch: q.format === 'csv' ? 500 : 200,
    timeline: q.format === 'csv' ? 'count' : 'entries',
  });
  const written = { rows: 0 };
  let complete = false;
  let failure: unknown;
  try {
    await writeExport(deps, res, { format: q.format, head: { stamp, filters }, scan, wanted }, written);
    complete = true;
  } catch (err) {
    failure = err;
    await scan.return(undefined).catch(() => undefined);
  }
  // Redis failing before the first byte: an error the caller can read, and nothing left the system.
  if (failure && !res.headersSent) throw failure;
  const audited = await deps.audit
    .append({
      type: 'incidents.exported',
      actor: req.principal?.name ?? 'unknown',
      data: { format: q.format, filters, rows: written.rows, complete },
    })
    .then(() => true)
    .catch((err: Error) => {
      deps.log.error({ err: err.message }, 'cannot audit an incident export');
      return false;
    });
  if (failure && !(failure instanceof ExportCut)) deps.log.error({ err: failure, rows: written.rows }, 'incident export cut short');
  // Unaudited or cut short: no clean end, the client sees a failed download rather than a whole-looking file.
  if (!complete || !audited) res.destroy();
  else res.end();
}
