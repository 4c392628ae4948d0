// PM2's ecosystem options, read with their meaning here; what cannot be honoured is refused.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, fromEcosystem, megabytes } from '@strand/cli';

describe('strand.config.js (PM2 ecosystem options)', () => {
  it('maps each option PM2 users set to its meaning in the runtime', () => {
    const options = fromEcosystem(
      {
        name: 'api',
        script: 'app.ts',
        instances: 4,
        exec_mode: 'cluster',
        wait_ready: true,
        listen_timeout: 8000,
        kill_timeout: 3000,
        max_memory_restart: '512M',
        merge_logs: true,
        watch: true,
        env: { PORT: 3000, NODE_ENV: 'development' },
        env_production: { NODE_ENV: 'production' },
      },
      'production',
    );
    expect(options).toEqual({
      script: 'app.ts',
      schedulers: 4,
      readyTimeoutMs: 8000,
      shutdownMs: 3000,
      threadHeapMb: 512,
      watch: true,
      env: { PORT: '3000', NODE_ENV: 'production' },
    });
    expect(fromEcosystem({ script: 'a.js', instances: 'max' }).schedulers).toBeUndefined();
    expect(megabytes('1G')).toBe(1024);
    expect(megabytes(256 * 1_048_576)).toBe(256);
  });

  it('refuses what it cannot honour, naming it', () => {
    expect(() => fromEcosystem({ script: 'a.js', cron_restart: '0 * * * *' } as never)).toThrow(/cron_restart/);
    expect(() => fromEcosystem({ script: 'a.js', autorestart: false })).toThrow(InvalidConfigError);
    expect(() => fromEcosystem({ script: 'a.js', instances: 0 })).toThrow(/instances/);
    expect(() => fromEcosystem({ script: 'a.js', max_memory_restart: 'lots' })).toThrow(/max_memory_restart/);
    expect(() => fromEcosystem({ script: 'a.js' }, 'staging')).toThrow(/env_staging/);
    expect(() => fromEcosystem({ script: '' })).toThrow(/script/);
  });
});
