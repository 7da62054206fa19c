/**
 * Imported first by scripts/record-histories.ts: the stack it starts encrypts payloads with the
 * public recording key (test/histories/recording-key.ts), so the histories it writes replay in
 * the tests on any machine.
 */
import { RECORDING_KEY } from '../test/histories/recording-key.ts';

process.env.HELPDESK_SERVICE_KEYS = RECORDING_KEY;
