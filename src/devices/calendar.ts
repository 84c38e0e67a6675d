/**
 * Proleptic Gregorian calendar arithmetic for the RTC (Howard Hinnant's days_from_civil /
 * civil_from_days), in integers only, so the RTC never needs the host's Date.
 */

/** Days since 1970-01-01 of a date; month and day may be out of range and are carried. */
export function daysFromCivil(year: number, month: number, day: number): number {
  let y = year + Math.floor((month - 1) / 12);
  const m = ((((month - 1) % 12) + 12) % 12) + 1;
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Breaks Unix time `t` (seconds) into `out`: [sec, min, hour, day of week (0 = Sunday), day of
 * month, month (1-12), year]. Writes into a caller-owned array so reads do not allocate.
 */
export function breakDownTime(t: number, out: Int32Array): void {
  const days = Math.floor(t / 86400);
  const tod = t - days * 86400;
  out[0] = tod % 60;
  out[1] = Math.floor(tod / 60) % 60;
  out[2] = Math.floor(tod / 3600);
  out[3] = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[4] = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out[5] = m;
  out[6] = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

/**
 * Seconds (1..86400) from Unix time `t` to the next time of day whose hour, minute and second
 * match the alarm (-1 = "don't care"), or Infinity if no time of day matches (an out-of-range
 * alarm value). Candidates are walked in order, skipping whole hours and minutes already past.
 */
export function secondsToAlarm(t: number, hour: number, min: number, sec: number): number {
  const tod = ((t % 86400) + 86400) % 86400;
  for (let day = 0; day < 2; day++) {
    for (let h = 0; h < 24; h++) {
      const hs = day * 86400 + h * 3600;
      if ((hour >= 0 && h !== hour) || hs + 3599 <= tod) continue;
      for (let m = 0; m < 60; m++) {
        const ms = hs + m * 60;
        if ((min >= 0 && m !== min) || ms + 59 <= tod) continue;
        for (let s = 0; s < 60; s++) {
          if (sec >= 0 && s !== sec) continue;
          if (ms + s > tod) return ms + s - tod;
        }
      }
    }
  }
  return Infinity;
}
