import { readFileSync } from "node:fs";

interface PackageManifest {
  name: string;
  version: string;
}

// src/config/version.ts and dist/config/version.js both sit two levels below package.json.
const manifest = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as PackageManifest;

/** Service name and version from package.json. */
export const SERVICE_NAME = manifest.name;
export const SERVICE_VERSION = manifest.version;

/** User-Agent sent to DigiCert, so DigiCert support can tell this service's calls apart. */
export const USER_AGENT = `${SERVICE_NAME}/${SERVICE_VERSION} (+node ${process.versions.node})`;
