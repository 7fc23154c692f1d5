// The API documentation page: renders /api/openapi.json, grouped by tag.
import { el } from './dom.js';

function schemaText(schema) {
  return JSON.stringify(schema, null, 2);
}

function operationCard(path, method, op) {
  const params = (op.parameters || []).map((p) =>
    el('li', {}, el('code', {}, p.name), ` (${p.in}${p.required ? ', required' : ''}) `, el('code', {}, schemaText(p.schema))),
  );
  const body = op.requestBody?.content?.['application/json']?.schema;
  const ok = Object.keys(op.responses).find((s) => s.startsWith('2'));
  return el(
    'details',
    { className: 'op', id: op.operationId },
    el(
      'summary',
      {},
      el('span', { className: `method m-${method}` }, method.toUpperCase()),
      ' ',
      el('code', {}, path),
      ' ',
      el('span', { className: 'muted' }, op.summary),
    ),
    el('p', {}, `Role: ${op['x-required-role']}. Success: ${ok}.`),
    params.length ? el('div', {}, el('h4', {}, 'Parameters'), el('ul', {}, ...params)) : '',
    body ? el('div', {}, el('h4', {}, 'Request body (JSON)'), el('pre', {}, schemaText(body))) : '',
  );
}

async function main() {
  const root = document.getElementById('docs');
  const res = await fetch('/api/openapi.json');
  const doc = await res.json();
  const byTag = new Map();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationCard(path, method, op));
    }
  }
  root.replaceChildren(
    el('h1', {}, doc.info.title),
    el('p', {}, doc.info.description || ''),
    el('p', {}, 'Authenticate with ', el('code', {}, 'Authorization: Bearer TOKEN'), ' (tokens: POST /api/tokens).'),
    ...[...byTag.entries()].map(([tag, cards]) => el('section', {}, el('h2', {}, tag), ...cards)),
  );
}

main().catch((err) => {
  document.getElementById('docs').textContent = `Cannot load the API description: ${err.message}`;
});
