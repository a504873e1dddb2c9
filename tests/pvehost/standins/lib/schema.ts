// A subset of PVE::JSONSchema: property checks in PVE's order and with its messages
// (format before pattern before length before range before enum, as in check_prop of
// pve-common `src/PVE/JSONSchema.pm`).
import { PveError } from "./errors";

export type PropType = "string" | "integer" | "number" | "boolean" | "array";

export interface Prop {
  type?: PropType;
  optional?: boolean;
  format?: string | PropFormat;
  pattern?: RegExp;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  default?: unknown;
  default_key?: boolean;
  alias?: string;
  /** printed as `<type>` in usage lines of required options */
  typetext?: string;
}

export type PropFormat = Record<string, Prop>;

const IPV4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_RE = new RegExp(`^${IPV4}$`);
const H16 = "[0-9a-fA-F]{1,4}";
const IPV6_RE = new RegExp(
  "^(" +
    [
      `(${H16}:){7}${H16}`,
      `(${H16}:){1,7}:`,
      `(${H16}:){1,6}:${H16}`,
      `(${H16}:){1,5}(:${H16}){1,2}`,
      `(${H16}:){1,4}(:${H16}){1,3}`,
      `(${H16}:){1,3}(:${H16}){1,4}`,
      `(${H16}:){1,2}(:${H16}){1,5}`,
      `${H16}:(:${H16}){1,6}`,
      `:((:${H16}){1,7}|:)`,
      `(${H16}:){6}${IPV4}`,
      `::(ffff(:0{1,4})?:)?${IPV4}`,
    ].join("|") +
    ")$",
);
const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)";
const DNS_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);
export const CONFIGID_RE = /^[a-z][a-z0-9_-]+$/i;

const isIPv4 = (s: string) => IPV4_RE.test(s);
const isIPv6 = (s: string) => IPV6_RE.test(s);

function cidr4(s: string): boolean {
  const m = /^(.*)\/(\d+)$/.exec(s);
  return !!m && isIPv4(m[1]) && +m[2] > 7 && +m[2] <= 32;
}
function cidr6(s: string): boolean {
  const m = /^(.*)\/(\d+)$/.exec(s);
  return !!m && isIPv6(m[1]) && +m[2] > 7 && +m[2] <= 128;
}

// Scalar format verifiers: throw Error with PVE's text (which ends in "\n").
const formats: Record<string, (v: string) => void> = {
  "pve-vmid": (v) => {
    if (!/^[1-9][0-9]{2,8}$/.test(v)) throw new Error("value does not look like a valid VM ID\n");
  },
  "pve-node": (v) => {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v))
      throw new Error("value does not look like a valid node name\n");
  },
  "dns-name": (v) => {
    if (!DNS_RE.test(v)) throw new Error("value does not look like a valid DNS name\n");
  },
  "pve-configid": (v) => {
    if (!CONFIGID_RE.test(v)) throw new Error(`invalid configuration ID '${v}'\n`);
  },
  "pve-storage-id": (v) => {
    if (v.length < 2) throw new Error(`storage ID '${v}' cannot be shorter than 2 characters\n`);
    if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v)) throw new Error(`storage ID '${v}' contains illegal characters\n`);
  },
  "mac-addr": (v) => {
    if (!/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v))
      throw new Error("value does not look like a valid unicast MAC address\n");
  },
  ipv4: (v) => {
    if (!isIPv4(v)) throw new Error("value does not look like a valid IPv4 address\n");
  },
  ipv6: (v) => {
    if (!isIPv6(v)) throw new Error("value does not look like a valid IPv6 address\n");
  },
  "pve-ipv4-config": (v) => {
    if (!(/^(dhcp|manual)$/.test(v) || cidr4(v)))
      throw new Error("value does not look like a valid ipv4 network configuration\n");
  },
  "pve-ipv6-config": (v) => {
    if (!(/^(auto|dhcp|manual)$/.test(v) || cidr6(v)))
      throw new Error("value does not look like a valid ipv6 network configuration\n");
  },
  "lxc-ip-with-ll-iface": (v) => {
    const m = /^(fe80:[^%]+)%(.*)$/.exec(v);
    if (m && isIPv6(m[1]) && /^[a-zA-Z][a-zA-Z0-9_]{1,20}([:.]\d+)?$/.test(m[2])) return;
    if (!(isIPv4(v) || isIPv6(v))) throw new Error("value does not look like a valid IP address\n");
  },
  "disk-size": (v) => {
    if (parseSize(v) === undefined) throw new Error(`value does not look like a valid disk size: ${v}\n`);
  },
  "pve-tag": (v) => {
    if (!/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v)) throw new Error("invalid characters in tag\n");
  },
  "pve-startup-order": (v) => {
    if (!/^(order=\d+|up=\d+|down=\d+)(,(order=\d+|up=\d+|down=\d+))*$/.test(v))
      throw new Error("unable to parse startup options\n");
  },
  "pve-volume-id": (v) => {
    if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(v)) throw new Error(`unable to parse volume ID '${v}'\n`);
  },
  "pve-lxc-mp-string": () => {},
  "pve-ct-timezone": () => {},
  "pve-poolid": () => {},
  "pve-snapshot-name": (v) => formats["pve-configid"](v),
  "content-list-item": (v) => {
    if (!["vztmpl", "iso", "backup", "rootdir", "images", "snippets", "import"].includes(v))
      throw new Error(`invalid content type '${v}'\n`);
  },
};

export function splitList(v: string): string[] {
  return v.split(/[\0;,\s]+/).filter((x) => x !== "");
}

export function parseBoolean(v: string): 0 | 1 | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return 1;
  if (/^(0|off|no|false)$/i.test(v)) return 0;
  return undefined;
}

export function parseSize(v: string): number | undefined {
  const m = /^(\d+(\.\d+)?)([KMGT])?$/.exec(v);
  if (!m) return undefined;
  const mult = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[3] as "K"] ?? 1;
  return Math.trunc(parseFloat(m[1]) * mult);
}

export function formatSize(bytes: number): string {
  const n = Math.trunc(bytes);
  const kb = Math.trunc(n / 1024);
  if (kb * 1024 !== n) return String(n);
  const mb = Math.trunc(kb / 1024);
  if (mb * 1024 !== kb) return `${kb}K`;
  const gb = Math.trunc(mb / 1024);
  if (gb * 1024 !== mb) return `${mb}M`;
  const tb = Math.trunc(gb / 1024);
  if (tb * 1024 !== gb) return `${gb}G`;
  return `${tb}T`;
}

const isNumber = (v: string) => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
const isInteger = (v: string) => /^[+-]?\d+$/.test(v);

type Errors = [string, string][];

function addError(errors: Errors, path: string, msg: string): void {
  errors.push([path || "_root", msg]);
}

/** check_prop for one scalar value (strings as they come from the CLI). */
export function checkProp(value: unknown, schema: Prop, path: string, errors: Errors): void {
  if (schema.alias) return;
  if (value === undefined || value === null) {
    if (!schema.optional) addError(errors, path, "property is missing and it is not optional");
    return;
  }
  const type = schema.type ?? "string";
  if (type === "array") {
    if (!Array.isArray(value)) addError(errors, path, "type check ('array') failed");
    return;
  }
  const v = String(value);
  if (type === "boolean" && v !== "0" && v !== "1") {
    addError(errors, path, `type check ('boolean') failed - got '${v}'`);
    return;
  }
  if (type === "integer" && !isInteger(v)) {
    addError(errors, path, `type check ('integer') failed - got '${v}'`);
    return;
  }
  if (type === "number" && !isNumber(v)) {
    addError(errors, path, `type check ('number') failed - got '${v}'`);
    return;
  }
  if (schema.format) {
    try {
      checkFormat(schema.format, v, path);
    } catch (e: any) {
      addError(errors, path, "invalid format - " + (e instanceof PveError ? e.render() : e.message));
      return;
    }
  }
  if (schema.pattern && !new RegExp(`^(?:${schema.pattern.source})$`, schema.pattern.flags).test(v)) {
    addError(errors, path, "value does not match the regex pattern");
    return;
  }
  if (schema.maxLength !== undefined && v.length > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && v.length < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isNumber(v)) {
    if (schema.maximum !== undefined && +v > schema.maximum) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && +v < schema.minimum) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(v)) {
    addError(errors, path, `value '${v}' does not have a value in the enumeration '${schema.enum.join(", ")}'`);
  }
}

export function checkFormat(format: string | PropFormat, v: string, path: string): void {
  if (typeof format !== "string") {
    parsePropertyString(format, v, path);
    return;
  }
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
  const fn = propFormats[m[1]] ? undefined : formats[m[1]];
  if (propFormats[m[1]]) {
    parsePropertyString(propFormats[m[1]], v, path);
    return;
  }
  if (!fn) throw new Error(`undefined format '${format}'\n`);
  if (m[2] === "list") for (const item of splitList(v)) fn(item);
  else if (m[2] === "opt") {
    if (v) fn(v);
  } else fn(v);
}

/** Named property-string formats (net, rootfs, features ...), registered by config.ts. */
export const propFormats: Record<string, PropFormat> = {};

/** parse_property_string: returns the key/value map or throws PveError("format error"). */
export function parsePropertyString(format: PropFormat, data: string, path = ""): Record<string, string> {
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/s.exec(part);
    if (kv) {
      let [, k, v] = kv;
      if (res[k] !== undefined) throw new Error(`duplicate key in comma-separated list property: ${k}\n`);
      let schema = format[k];
      if (schema?.alias) {
        k = schema.alias;
        schema = format[k];
        if (res[k] !== undefined) throw new Error(`key '${k}' is already defined (via alias)\n`);
      }
      if (!schema) throw new Error(`invalid key in comma-separated list property: ${k}\n`);
      if (schema.type === "boolean") v = String(parseBoolean(v) ?? v);
      res[k] = v;
    } else if (!part.includes("=")) {
      if (defaultKey) throw new Error(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      defaultKey = Object.keys(format).find((k) => format[k].default_key);
      if (!defaultKey) throw new Error("value without key, but schema does not define a default key\n");
      res[defaultKey] = format[defaultKey].type === "boolean" ? String(parseBoolean(part) ?? part) : part;
    } else {
      throw new Error("missing key in comma-separated list property\n");
    }
  }
  const errors: Errors = [];
  for (const k of Object.keys(format)) checkProp(res[k], format[k], path ? `${path}.${k}` : k, errors);
  for (const k of Object.keys(res)) {
    if (!format[k])
      addError(errors, path ? `${path}.${k}` : k, "property is not defined in schema and the schema does not allow additional properties");
  }
  if (errors.length) throw new PveError("format error\n", { errors });
  return res;
}

/** print_property_string: default key bare, then required keys, then the rest sorted. */
export function printPropertyString(format: PropFormat, data: Record<string, string | number | undefined>): string {
  const keys = Object.keys(data).filter((k) => data[k] !== undefined && data[k] !== "");
  const def = keys.filter((k) => format[k]?.default_key);
  const required = keys.filter((k) => !format[k]?.default_key && format[k] && !format[k].optional).sort();
  const others = keys.filter((k) => !def.includes(k) && !required.includes(k)).sort();
  return [...def.map((k) => String(data[k])), ...[...required, ...others].map((k) => `${k}=${data[k]}`)].join(",");
}

/** validate(): all failures of one parameter set, as raise_param_exc would report them. */
export function validate(params: Record<string, unknown>, props: Record<string, Prop>, additional = false): Errors {
  const errors: Errors = [];
  for (const k of Object.keys(props)) checkProp(params[k], props[k], k, errors);
  if (!additional) {
    for (const k of Object.keys(params)) {
      if (!props[k])
        addError(errors, k, "property is not defined in schema and the schema does not allow additional properties");
    }
  }
  return errors;
}
