// Error and warning details: a list of {field, message} or a dict field -> message, maybe per batch row.

export function messageOf(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(messageOf).filter(Boolean).join('; ');
  if (typeof value === 'object') {
    return messageOf(value.message ?? value.msg ?? value.error ?? value.reason ?? value.detail) || JSON.stringify(value);
  }
  return String(value);
}

// "instances[2].gre", "instances.2.gre", "/instances/2/gre", ["instances", 2, "gre"] -> {row: 2, field: "gre"}
function parsePath(path) {
  const tokens = (Array.isArray(path) ? path.map(String) : String(path).split(/[.[\]/]+/)).filter(Boolean);
  let row = null;
  let field = null;
  for (const token of tokens) {
    if (/^\d+$/.test(token)) {
      if (row === null) row = Number(token);
    } else if (token !== 'instances' && token !== 'body') {
      field = token;
    }
  }
  return { row, field };
}

export function detailEntries(details, row = null) {
  if (details === null || details === undefined) return [];
  if (typeof details === 'string') return [{ row, field: null, message: details }];
  if (Array.isArray(details)) {
    return details.flatMap((detail) => {
      if (typeof detail !== 'object' || detail === null) return [{ row, field: null, message: messageOf(detail) }];
      const where = detail.field ?? detail.name ?? detail.input ?? detail.loc ?? detail.path ?? null;
      const parsed = where === null ? { row: null, field: null } : parsePath(where);
      const rowIndex = detail.row ?? detail.index ?? detail.instance ?? parsed.row ?? row;
      return [{ row: rowIndex === null ? null : Number(rowIndex), field: parsed.field, message: messageOf(detail) }];
    });
  }
  if (typeof details === 'object') {
    return Object.entries(details).flatMap(([key, value]) => {
      const parsed = parsePath(key);
      const rowIndex = parsed.row ?? row;
      const nested = value && typeof value === 'object' && !Array.isArray(value) &&
        !('message' in value) && !('msg' in value);
      if (nested) return detailEntries(value, rowIndex);
      return [{ row: rowIndex, field: parsed.field, message: messageOf(value) }];
    });
  }
  return [{ row, field: null, message: String(details) }];
}

// "gre: above the training range" unless the message already names its field
export const entryText = (entry) => (entry.field && !entry.message.includes(entry.field)
  ? `${entry.field}: ${entry.message}` : entry.message);
