/**
 * The emulator a deploy test applies to: a moto server of its own, or the user's
 * AWS_ENDPOINT_URL (e.g. LocalStack) when the harness uses that.
 *
 * Not the harness's shared moto: once moto 5.2.5 holds a Lambda function, its
 * /moto-api/data.json fails with a 500 (it touches the function's Docker client, and there is
 * no Docker daemon), and the integration tests that read moto's state through it would fail
 * after a deploy test ran. Moto keeps every model instance ever created, so destroying the
 * function does not help.
 */
import { harness } from "../support/harness";
import { startLocalMoto } from "../support/moto";

export interface DeployEmulator {
  readonly endpoint: string;
  /** Restores AWS_ENDPOINT_URL and stops the moto started here. */
  stop(): Promise<void>;
}

/**
 * Starts the emulator and points this worker's AWS_ENDPOINT_URL at it (SDK clients created
 * afterwards use it) until stop().
 */
export async function startDeployEmulator(): Promise<DeployEmulator> {
  const h = harness();
  const emulator = h.aws.external
    ? { endpoint: h.aws.endpoint, stop: async () => undefined }
    : await startLocalMoto();
  const previous = process.env.AWS_ENDPOINT_URL;
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  return {
    endpoint: emulator.endpoint,
    async stop() {
      process.env.AWS_ENDPOINT_URL = previous;
      await emulator.stop();
    },
  };
}
