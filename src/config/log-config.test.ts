import { test } from 'node:test';
import assert from 'node:assert/strict';
// Test-only import across equal layers: storage keeps its own Kafka defaults (it must not import
// config), and this pins the two copies together.
import { type LogConfig as StorageLogConfig, defaultLogConfig as storageDefaults } from '../storage/log-config.js';
import { BrokerConfig } from './broker-config.js';
import { ConfigStore } from './config-store.js';

test("storage's fallback LogConfig holds the same Kafka defaults as the config layer's", () => {
  // Also a compile-time check: the config layer's LogConfig is usable where storage wants its own.
  const fromConfig: StorageLogConfig = new ConfigStore(new BrokerConfig({})).defaultLogConfig;
  for (const key of Object.keys(storageDefaults) as (keyof StorageLogConfig)[]) {
    assert.equal(fromConfig[key], storageDefaults[key], key);
  }
  assert.equal(storageDefaults.delete ?? true, fromConfig.delete);
});
