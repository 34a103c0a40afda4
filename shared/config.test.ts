import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, loadConfig, requiredString } from './config.ts';

describe('loadConfig', () => {
  it('returns the typed values when every variable is present', () => {
    const config = loadConfig(
      { TABLE_NAME: requiredString(), RETRIES: z.coerce.number() },
      { TABLE_NAME: 't', RETRIES: '3' },
    );

    expect(config).toEqual({ TABLE_NAME: 't', RETRIES: 3 });
  });

  it('names every missing variable', () => {
    const load = () => loadConfig({ TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() }, {});

    expect(load).toThrow(ConfigError);
    expect(load).toThrow('TABLE_NAME is not set; EVENT_BUS_NAME is not set');
  });

  it('names an invalid variable with the reason', () => {
    const load = () => loadConfig({ MODE: z.enum(['aws', 'recording']) }, { MODE: 'smtp' });

    expect(load).toThrow(/MODE: /);
  });
});
