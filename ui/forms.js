// Form fields typed by a Sluice type (`int`, `float`, `bool`, `string`, `enum(a|b)`, `datetime`, `duration`,
// `list<T>`, `map<T>`, `json`, `T?`): the launch form builds one per flow input, the signal form one for the gate.

import {h} from './dom.js';

let counter = 0;

/** Parses the type's outer shape: {base, optional, options (enum)}. */
export function parseType(type) {
  let t = type.trim();
  const optional = t.endsWith('?');
  if (optional) t = t.slice(0, -1);
  const m = /^enum\((.*)\)$/.exec(t);
  if (m) return {base: 'enum', optional, options: m[1].split('|')};
  if (t.startsWith('list<')) return {base: 'list', optional};
  if (t.startsWith('map<')) return {base: 'map', optional};
  return {base: t, optional};
}

/**
 * A labelled input for a value of `type`. read() gives {value} (typed JSON), {text} (for types the server reads
 * from text: datetime, duration), {omit: true} (an optional field left empty) or {error}.
 */
export function typedField({name, type, value, required = false, description, label}) {
  const id = `f${++counter}`;
  const shape = parseType(type);
  const describedBy = description ? `${id}-d` : undefined;
  let input;
  switch (shape.base) {
    case 'bool':
      input = h('select', {id, name, 'aria-describedby': describedBy},
        shape.optional || value === undefined ? h('option', {value: ''}, '—') : null,
        h('option', {value: 'true', selected: value === true}, 'true'),
        h('option', {value: 'false', selected: value === false}, 'false'));
      break;
    case 'enum':
      input = h('select', {id, name, 'aria-describedby': describedBy},
        shape.optional || value === undefined ? h('option', {value: ''}, '—') : null,
        shape.options.map((o) => h('option', {value: o, selected: value === o}, o)));
      break;
    case 'int':
    case 'float':
      input = h('input', {id, name, type: 'number', step: shape.base === 'int' ? '1' : 'any', inputmode: shape.base === 'int' ? 'numeric' : 'decimal',
        value: value === undefined || value === null ? '' : String(value), 'aria-describedby': describedBy});
      break;
    case 'list': case 'map': case 'json':
      input = h('textarea', {id, name, rows: 3, spellcheck: 'false', 'aria-describedby': describedBy,
        value: value === undefined ? '' : JSON.stringify(value)});
      break;
    default:
      input = h('input', {id, name, type: 'text', autocomplete: 'off', 'aria-describedby': describedBy,
        placeholder: shape.base === 'duration' ? 'e.g. 30s, 5m' : shape.base === 'datetime' ? 'e.g. 2026-12-06T18:00:00Z' : undefined,
        value: value === undefined || value === null ? '' : String(value)});
  }
  if (required) input.required = true;
  const wrapper = h('div', {class: 'field'},
    h('label', {for: id}, label || name, ' ', h('span', {class: 'type'}, type), required ? h('span', {class: 'req'}, ' (required)') : null),
    input,
    description ? h('small', {id: describedBy}, description) : null);

  function read() {
    const raw = input.value.trim();
    if (raw === '') {
      if (shape.base === 'string' && !shape.optional && input.value !== '') return {value: input.value};
      if (shape.optional || !required) return {omit: true};
      return {error: `${name}: a ${type} is needed`};
    }
    switch (shape.base) {
      case 'bool': return {value: raw === 'true'};
      case 'int': {
        if (!/^-?\d+$/.test(raw)) return {error: `${name}: expected a whole number, found '${raw}'`};
        return {value: Number(raw)};
      }
      case 'float': {
        const n = Number(raw);
        if (!Number.isFinite(n)) return {error: `${name}: expected a number, found '${raw}'`};
        return {value: n};
      }
      case 'list': case 'map': case 'json': {
        try { return {value: JSON.parse(raw)}; } catch (e) { return {error: `${name}: expected JSON (${e.message})`}; }
      }
      case 'datetime': case 'duration': return {text: raw};
      default: return {value: input.value};
    }
  }
  return {element: wrapper, input, read};
}
