import { processLayout } from '../../src/layout';

describe('processLayout (WEB_PROCESSES / WORKER_PROCESSES)', () => {
  it('runs one process doing both on one core, and splits the cores otherwise (workers get the odd one)', () => {
    expect(processLayout({ cores: 1, env: {} })).toEqual({ web: 1, workers: 0, single: true });
    expect(processLayout({ cores: 2, env: {} })).toEqual({ web: 1, workers: 1, single: false });
    expect(processLayout({ cores: 3, env: {} })).toEqual({ web: 1, workers: 2, single: false });
    expect(processLayout({ cores: 8, env: {} })).toEqual({ web: 4, workers: 4, single: false });
  });

  it('follows explicit counts, also on one core', () => {
    expect(processLayout({ cores: 2, env: { WEB_PROCESSES: '1', WORKER_PROCESSES: '3' } })).toEqual({ web: 1, workers: 3, single: false });
    expect(processLayout({ cores: 1, env: { WORKER_PROCESSES: 2 } })).toEqual({ web: 1, workers: 2, single: false });
    expect(processLayout({ cores: 4, env: { WEB_PROCESSES: '', WORKER_PROCESSES: undefined } })).toEqual({ web: 2, workers: 2, single: false });
  });

  it('runs the jobs in the web processes when WORKER_PROCESSES is 0 (one process when there is one web process)', () => {
    expect(processLayout({ cores: 2, env: { WORKER_PROCESSES: '0' } })).toEqual({ web: 1, workers: 0, single: true });
    expect(processLayout({ cores: 4, env: { WEB_PROCESSES: '1', WORKER_PROCESSES: 0 } })).toEqual({ web: 1, workers: 0, single: true });
    expect(processLayout({ cores: 4, env: { WORKER_PROCESSES: '0' } })).toEqual({ web: 2, workers: 0, single: false });
  });

  it('refuses counts that are not integers from 1 (web) or 0 (workers) to 64', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '65']) expect(() => processLayout({ cores: 2, env: { WEB_PROCESSES: bad } })).toThrow(RangeError);
    for (const bad of ['-1', '1.5', 'many', '65']) expect(() => processLayout({ cores: 2, env: { WORKER_PROCESSES: bad } })).toThrow(RangeError);
  });
});
