/**
 * The service key that recorded histories (test/histories/*.json) are encrypted with from the
 * first recording after the payload codec on: a test key, public on purpose so the replay test
 * can read them on any machine. Never use it for real data.
 */
export const RECORDING_KEY = 'recording:k1rL6UrP4gblvrjyYLi2gryftqcUP5zf5AffbxmQluM=';
