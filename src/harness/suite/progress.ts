/**
 * A one-line progress bar for a terminal (cases done, failures, the cases running, elapsed time),
 * redrawn in place. Host time is fine here: it only ever reaches a TTY, never a report.
 */
import type { CaseResult } from './result.js';
import type { SuiteCase } from './schema.js';

export class ProgressBar {
  private done = 0;
  private failed = 0;
  private readonly running = new Set<string>();
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly total: number, private readonly out: NodeJS.WriteStream) {
    // Redraw every second so the elapsed time moves while long cases run.
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
    this.draw();
  }

  start(c: SuiteCase): void {
    this.running.add(c.name);
    this.draw();
  }

  finish(r: CaseResult): void {
    this.running.delete(r.name);
    this.done++;
    if (r.status !== 'pass') this.failed++;
    this.draw();
  }

  private draw(): void {
    const width = Math.max(40, (this.out.columns ?? 80) - 1);
    const barWidth = 20;
    const filled = this.total === 0 ? barWidth : Math.round((this.done / this.total) * barWidth);
    const secs = Math.round((Date.now() - this.started) / 1000);
    let line = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${this.done}/${this.total}${this.failed > 0 ? ` ${this.failed} failed` : ''} ${secs}s`;
    if (this.running.size > 0) line += `  ${[...this.running].join(' ')}`;
    if (line.length > width) line = `${line.slice(0, width - 3)}...`;
    this.out.write(`\r\x1b[2K${line}`);
  }

  /** Clears the bar (the table follows on a clean line). */
  end(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.out.write('\r\x1b[2K');
  }
}
