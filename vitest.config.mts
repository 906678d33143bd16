import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Tests never reach real AWS: a stray client without an endpoint fails fast instead.
      AWS_ACCESS_KEY_ID: "AKIATESTTESTTESTTEST",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    coverage: {
      provider: "v8",
      include: ["lambdas/**/*.ts", "sandbox/**/*.ts", "bin/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
    },
  },
});
