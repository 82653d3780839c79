/**
 * Time zones: the session `TimeZone` setting and zone names inside timestamptz input.
 *
 * A `TimeZone` answers two questions: the UTC offset in force at a UTC instant, and the offset to
 * apply to a local wall-clock time, resolving DST gaps and overlaps exactly as PostgreSQL's
 * DetermineTimeZoneOffset does (in a gap the offset from before the transition wins, in an
 * overlap the offset from after it). Offsets are seconds east of Greenwich (+3600 = CET).
 *
 * Region zones (IANA names) read their rules from ICU through `Intl.DateTimeFormat`; answers are
 * cached per hour bucket, so a formatter runs about once per hour of the timeline touched. ICU
 * covers years 1600..275000 here; instants before use the 1600 offset (local mean time in every
 * zone) and instants after are shifted by 400-year Gregorian cycles (rules repeat).
 *
 * Accepted names (PostgreSQL's check_timezone): a number of hours east (`-8`, `5.5`), POSIX-style
 * fixed offsets, hours west (`UTC+5`, `<-03>+03`, `+05:30`), and IANA names, case-insensitive.
 */
import { assert } from "../assert.ts";
import { InvalidParameterValueError } from "../errors.ts";
import { SECONDS_PER_DAY, daysFromCivil } from "./datetime-core.ts";

const bucketSeconds = 3600;
const bucketCacheSizeMax = 100_000;
/** 1600-01-01 and 275000-01-01 in seconds since 2000-01-01. */
const icuFirstSecond = daysFromCivil(1600, 1, 1) * SECONDS_PER_DAY;
const icuLastSecond = daysFromCivil(275_000, 1, 1) * SECONDS_PER_DAY;
const gregorianCycleSeconds = 146_097 * SECONDS_PER_DAY;
/** Seconds from 1970-01-01 (JavaScript's epoch) to 2000-01-01 (PostgreSQL's). */
const unixToPostgresSeconds = 946_684_800;
/** ICU's legacy three-letter ids that are not tz database names, so PostgreSQL rejects them. */
const icuOnlyIds = new Set(
  "ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST".split(" "),
);

export class TimeZone {
  /** The name as given (PostgreSQL shows the setting as written). */
  readonly name: string;
  /** The fixed offset, or undefined for a region zone with rules. */
  readonly fixedOffsetSeconds: number | undefined;
  readonly #formatter: Intl.DateTimeFormat | undefined;
  readonly #offsetByBucket = new Map<number, number>();

  private constructor(name: string, fixedOffsetSeconds: number | undefined, formatter: Intl.DateTimeFormat | undefined) {
    assert((fixedOffsetSeconds === undefined) !== (formatter === undefined), "a zone is fixed or has rules");
    this.name = name;
    this.fixedOffsetSeconds = fixedOffsetSeconds;
    this.#formatter = formatter;
  }

  static fixed(name: string, offsetSeconds: number): TimeZone {
    assert(Number.isInteger(offsetSeconds), "an offset is whole seconds");
    return new TimeZone(name, offsetSeconds, undefined);
  }

  static region(name: string, formatter: Intl.DateTimeFormat): TimeZone {
    return new TimeZone(name, undefined, formatter);
  }

  /** The offset (seconds east) in force at `utcSeconds` (seconds since 2000-01-01 UTC). */
  utcOffsetAt(utcSeconds: number): number {
    if (this.fixedOffsetSeconds !== undefined) return this.fixedOffsetSeconds;
    const bucket = Math.floor(utcSeconds / bucketSeconds);
    const cached = this.#offsetByBucket.get(bucket);
    if (cached !== undefined && !Number.isNaN(cached)) return cached;
    if (cached !== undefined) return this.#offsetUncached(utcSeconds);
    const first = this.#offsetUncached(bucket * bucketSeconds);
    const last = this.#offsetUncached(bucket * bucketSeconds + bucketSeconds - 1);
    if (this.#offsetByBucket.size >= bucketCacheSizeMax) this.#offsetByBucket.clear();
    // A bucket holding a transition is marked NaN and always computed exactly.
    this.#offsetByBucket.set(bucket, first === last ? first : Number.NaN);
    return first === last ? first : this.#offsetUncached(utcSeconds);
  }

  /**
   * The offset to subtract from local wall-clock seconds (since 2000-01-01, read as if UTC) to get
   * the instant. Gaps take the offset before the transition, overlaps the offset after it.
   */
  localOffsetFor(localSeconds: number): number {
    if (this.fixedOffsetSeconds !== undefined) return this.fixedOffsetSeconds;
    const windowStart = localSeconds - SECONDS_PER_DAY;
    const windowEnd = localSeconds + SECONDS_PER_DAY;
    const before = this.utcOffsetAt(windowStart);
    if (this.utcOffsetAt(windowEnd) === before) return before;
    const boundary = this.#nextBoundary(windowStart, windowEnd, before);
    const after = this.utcOffsetAt(boundary);
    const beforeTime = localSeconds - before;
    const afterTime = localSeconds - after;
    if (beforeTime < boundary && afterTime < boundary) return before;
    if (beforeTime > boundary && afterTime >= boundary) return after;
    return beforeTime > afterTime ? before : after;
  }

  /** The first second in (start, end] whose offset differs from `before`; the caller knows one does. */
  #nextBoundary(start: number, end: number, before: number): number {
    let low = start;
    let high = end;
    // Invariant: offset(low) === before, offset(high) !== before.
    for (let step = 0; high - low > 1; step++) {
      assert(step < 64, "the boundary search halves the window each step");
      const middle = Math.floor((low + high) / 2);
      if (this.utcOffsetAt(middle) === before) low = middle;
      else high = middle;
    }
    return high;
  }

  #offsetUncached(utcSeconds: number): number {
    let seconds = Math.max(utcSeconds, icuFirstSecond);
    if (seconds > icuLastSecond) {
      seconds -= Math.ceil((seconds - icuLastSecond) / gregorianCycleSeconds) * gregorianCycleSeconds;
    }
    const formatter = this.#formatter;
    assert(formatter !== undefined, "only region zones consult ICU");
    let year = 0;
    let month = 0;
    let day = 0;
    let localSeconds = 0;
    for (const part of formatter.formatToParts((seconds + unixToPostgresSeconds) * 1000)) {
      const value = Number(part.value);
      if (part.type === "year") year = value;
      else if (part.type === "month") month = value;
      else if (part.type === "day") day = value;
      else if (part.type === "hour") localSeconds += value * 3600;
      else if (part.type === "minute") localSeconds += value * 60;
      else if (part.type === "second") localSeconds += value;
    }
    assert(year > 0 && month > 0 && day > 0, "ICU printed a full date");
    return daysFromCivil(year, month, day) * SECONDS_PER_DAY + localSeconds - seconds;
  }
}

export const UTC = TimeZone.fixed("UTC", 0);

const zoneByName = new Map<string, TimeZone | null>();
const zoneCacheSizeMax = 1000;

/**
 * A zone name as `SET TIME ZONE` accepts it, or throws 22023 like PostgreSQL
 * (`invalid value for parameter "TimeZone": "x"`).
 */
export function parseTimeZone(spec: string): TimeZone {
  const zone = lookupTimeZone(spec, true);
  if (zone === undefined) throw new InvalidParameterValueError(`invalid value for parameter "TimeZone": "${spec}"`);
  return zone;
}

/** A zone name, or undefined when none matches. `isSetting` also accepts bare numbers of hours. */
export function lookupTimeZone(spec: string, isSetting: boolean): TimeZone | undefined {
  const key = `${isSetting ? "s" : "n"}${spec}`;
  const cached = zoneByName.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const zone = (isSetting ? numericZone(spec) : undefined) ?? posixZone(spec) ?? regionZone(spec);
  if (zoneByName.size >= zoneCacheSizeMax) zoneByName.clear();
  zoneByName.set(key, zone ?? null);
  return zone;
}

/** `-8`, `5.5`: hours east, the SQL sign convention. */
function numericZone(spec: string): TimeZone | undefined {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(spec)) return undefined;
  const hours = Number(spec);
  if (!Number.isFinite(hours) || Math.abs(hours) >= 168) return undefined;
  return TimeZone.fixed(spec, Math.trunc(hours * 3600));
}

/** POSIX `STDoffset` without DST rules: the offset is hours west, so `UTC+5` is five hours behind. */
function posixZone(spec: string): TimeZone | undefined {
  const match = /^(?:[A-Za-z]*|<[A-Za-z0-9+-]{1,}>)([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?$/.exec(spec);
  if (match === null) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? "0");
  const seconds = Number(match[4] ?? "0");
  if (hours > 167 || minutes > 59 || seconds > 59) return undefined;
  const west = hours * 3600 + minutes * 60 + seconds;
  return TimeZone.fixed(spec, match[1] === "-" ? west : -west || 0);
}

function regionZone(spec: string): TimeZone | undefined {
  if (spec === "" || icuOnlyIds.has(spec.toUpperCase()) || /^(?:gmt|utc)?[+-]/i.test(spec)) return undefined;
  try {
    const formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: spec,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    const canonical = formatter.resolvedOptions().timeZone;
    if (canonical === "UTC" || canonical === "Etc/UTC" || canonical === "Etc/GMT") return TimeZone.fixed(spec, 0);
    return TimeZone.region(spec, formatter);
  } catch {
    return undefined;
  }
}

/** PostgreSQL's default timezone abbreviation set (pg_timezone_abbrevs): name:offset[d]. */
const abbreviationTable =
  "acdt:37800d acsst:37800d acst:34200 act:-18000 acwst:31500 adt:-10800d aedt:39600d aesst:39600d aest:36000 " +
  "aft:16200 akdt:-28800d akst:-32400 almst:25200d almt:21600 amst:14400 amt:-14400 anast:43200 anat:43200 " +
  "arst:-10800 art:-10800 ast:-14400 awsst:32400d awst:28800 azost:0d azot:-3600 azst:14400 azt:14400 bdst:7200d " +
  "bdt:21600 bnt:28800 bort:28800 bot:-14400 bra:-10800 brst:-7200d brt:-10800 bst:3600d btt:21600 cadt:37800d " +
  "cast:34200 cct:28800 cdt:-18000d cest:7200d cet:3600 cetdst:7200d chadt:49500d chast:45900 chut:36000 " +
  "ckt:-36000 clst:-10800d clt:-10800d cot:-18000 cst:-21600 cxt:25200 davt:25200 ddut:36000 easst:-18000d " +
  "east:-18000d eat:10800 edt:-14400d eest:10800d eet:7200 eetdst:10800d egst:0d egt:-3600 est:-18000 fet:10800 " +
  "fjst:46800d fjt:43200 fkst:-10800 fkt:-10800 fnst:-3600d fnt:-7200 galt:-21600 gamt:-32400 gest:14400 " +
  "get:14400 gft:-10800 gilt:43200 gmt:0 gyt:-14400 hkt:28800 hst:-36000 ict:25200 idt:10800d iot:21600 " +
  "irkst:28800 irkt:28800 irt:12600 ist:7200 jayt:32400 jst:32400 kdt:36000d kgst:21600d kgt:21600 kost:39600 " +
  "krast:25200 krat:25200 kst:32400 lhdt:39600d lhst:37800 ligt:36000 lint:50400 lkt:19800 magst:39600 " +
  "magt:39600 mart:-34200 mawt:18000 mdt:-21600d mest:7200d mesz:7200d met:3600 metdst:7200d mez:3600 mht:43200 " +
  "mmt:23400 mpt:36000 msd:14400d msk:10800 mst:-25200 must:18000d mut:14400 mvt:18000 myt:28800 ndt:-9000d " +
  "nft:-12600 novst:25200 novt:25200 npt:20700 nst:-12600 nut:-39600 nzdt:46800d nzst:43200 nzt:43200 " +
  "omsst:21600 omst:21600 pdt:-25200d pet:-18000 petst:43200 pett:43200 pgt:36000 pht:28800 pkst:21600d " +
  "pkt:18000 pmdt:-7200d pmst:-10800 pont:39600 pst:-28800 pwt:32400 pyst:-10800d pyt:-10800 ret:14400 " +
  "sadt:37800d sast:7200 sct:14400 sgt:28800 taht:-36000 tft:18000 tjt:18000 tkt:46800 tmt:18000 tot:46800 " +
  "trut:36000 tvt:43200 uct:0 ulast:32400d ulat:28800 ut:0 utc:0 uyst:-7200d uyt:-10800 uzst:21600d uzt:18000 " +
  "vet:-14400 vlast:36000 vlat:36000 volt:10800 vut:39600 wadt:28800d wakt:43200 wast:25200 wat:3600 wdt:32400d " +
  "wet:0 wetdst:3600d wft:43200 wgst:-7200d wgt:-10800 xjt:21600 yakst:32400 yakt:32400 yapt:36000 yekst:21600d " +
  "yekt:18000 z:0 zulu:0";

export interface ZoneAbbreviation {
  readonly offsetSeconds: number;
  readonly isDst: boolean;
}

const abbreviations: ReadonlyMap<string, ZoneAbbreviation> = new Map(
  abbreviationTable.split(" ").map((entry) => {
    const [name = "", offset = "0"] = entry.split(":");
    return [name, { offsetSeconds: Number.parseInt(offset, 10), isDst: offset.endsWith("d") }] as const;
  }),
);

/** A lowercase time zone abbreviation (`est`, `cest`, `z`), or undefined. */
export function lookupZoneAbbreviation(lowercaseName: string): ZoneAbbreviation | undefined {
  return abbreviations.get(lowercaseName);
}
