// ESM throughout: got 14 is ESM-only, so Jest runs with --experimental-vm-modules
// and ts-jest emits ES modules (with decorator metadata, which type-graphql reads).
/** @type {import("jest").Config} */
const config = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: {
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }],
  },
  testTimeout: 30_000,
};

export default config;
