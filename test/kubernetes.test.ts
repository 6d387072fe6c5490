import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parseAllDocuments } from "yaml";
import { loadConfig } from "../src/config/config.js";

// Checks that the manifests in deploy/kubernetes agree with each other and with the service:
// ports, probe paths, shutdown timing, labels and the security context. Nothing here talks
// to a cluster.

const MANIFEST_DIR = new URL("../deploy/kubernetes/", import.meta.url);
const CONTAINER_NAME = "revocation-gateway";

// Loose shapes of the fields these tests read. A missing field shows up as undefined.
interface HttpGetProbe {
  httpGet?: { path?: string; port?: number | string };
}
interface EnvVar {
  name: string;
  value?: string;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type?: string };
}
interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  livenessProbe?: HttpGetProbe;
  readinessProbe?: HttpGetProbe;
  lifecycle?: { preStop?: { sleep?: { seconds?: number }; exec?: { command?: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { terminationGracePeriodSeconds?: number; securityContext?: SecurityContext; containers?: Container[] };
}
interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: Record<string, unknown> & { matchLabels?: Record<string, string> };
    template?: PodTemplate;
    ports?: { port?: number; targetPort?: number | string }[];
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: { type?: string; resource?: { name?: string; target?: { type?: string; averageUtilization?: number } } }[];
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
  resources?: string[];
}

function manifestFiles(): string[] {
  return readdirSync(MANIFEST_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
}

/** Parses every YAML document in the folder, and throws on a syntax error. */
function loadManifests(): Map<string, Manifest[]> {
  const byFile = new Map<string, Manifest[]>();
  for (const file of manifestFiles()) {
    const documents = parseAllDocuments(readFileSync(new URL(file, MANIFEST_DIR), "utf8"));
    if (documents.length === 0) throw new Error(`${file} is empty`);
    for (const document of documents) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join("; ")}`);
    }
    byFile.set(
      file,
      documents.map((document) => document.toJS() as Manifest),
    );
  }
  return byFile;
}

const manifests = loadManifests();
const resources = [...manifests.entries()].filter(([file]) => file !== "kustomization.yaml").flatMap(([, documents]) => documents);

function only(kind: string): Manifest {
  const matches = resources.filter((manifest) => manifest.kind === kind);
  if (matches.length !== 1) throw new Error(`expected one ${kind} in deploy/kubernetes, found ${matches.length}`);
  return matches[0] as Manifest;
}

const deployment = only("Deployment");
const service = only("Service");
const autoscaler = only("HorizontalPodAutoscaler");
const disruptionBudget = only("PodDisruptionBudget");
const podTemplate = deployment.spec?.template ?? {};
const podLabels = podTemplate.metadata?.labels ?? {};
const container = podTemplate.spec?.containers?.find((candidate) => candidate.name === CONTAINER_NAME);
const environment = Object.fromEntries((container?.env ?? []).map((variable) => [variable.name, variable.value]));
/** The port the service listens on with the Deployment's environment. */
const SERVICE_PORT = loadConfig(environment).port;

/** Resolves a named or numbered container port to its number, or undefined if the container has no such port. */
function resolvePort(port: number | string | undefined): number | undefined {
  const ports = container?.ports ?? [];
  const match = typeof port === "number" ? ports.find((candidate) => candidate.containerPort === port) : ports.find((candidate) => candidate.name === port);
  return match?.containerPort;
}

/** Tells whether every key of the selector has the same value in the labels. */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** Parses a Kubernetes memory quantity such as 256Mi or 1G into bytes. */
function bytes(quantity: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity ?? "");
  if (!match) throw new Error(`unsupported memory quantity ${quantity}`);
  const units: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(match[1]) * (units[match[2] ?? ""] ?? 1);
}

/** Parses a CPU quantity such as 200m or 1 into cores. */
function cores(quantity: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity ?? "");
  if (!match) throw new Error(`unsupported CPU quantity ${quantity}`);
  return Number(match[1]) / (match[2] === "m" ? 1000 : 1);
}

describe("Kubernetes manifests", () => {
  test("kustomization lists every manifest", () => {
    const kustomization = manifests.get("kustomization.yaml")?.[0];
    const listed = [...(kustomization?.resources ?? [])].sort();

    expect(listed).toEqual(manifestFiles().filter((file) => file !== "kustomization.yaml"));
  });

  test("every document has a kind and a name", () => {
    for (const manifest of resources) {
      expect({ kind: manifest.kind, name: manifest.metadata?.name }).toEqual({ kind: expect.any(String), name: CONTAINER_NAME });
    }
  });

  test("container uses the gateway image", () => {
    expect(container).toBeDefined();
    expect(container?.image).toMatch(/^revocation-gateway:\d+\.\d+\.\d+$/);
  });

  test("container port is the service port", () => {
    expect(SERVICE_PORT).toBe(4000);
    expect(container?.ports?.map((port) => port.containerPort)).toEqual([SERVICE_PORT]);
  });

  test("Service targets the container port", () => {
    const [port] = service.spec?.ports ?? [];

    expect(service.spec?.ports).toHaveLength(1);
    expect(resolvePort(port?.targetPort)).toBe(SERVICE_PORT);
  });

  test("liveness probe requests /healthz", () => {
    expect(container?.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(resolvePort(container?.livenessProbe?.httpGet?.port)).toBe(SERVICE_PORT);
  });

  test("readiness probe requests /readyz", () => {
    expect(container?.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(resolvePort(container?.readinessProbe?.httpGet?.port)).toBe(SERVICE_PORT);
  });

  test("Prometheus annotations point at /metrics", () => {
    const annotations = podTemplate.metadata?.annotations ?? {};

    expect(annotations["prometheus.io/scrape"]).toBe("true");
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
    expect(resolvePort(Number(annotations["prometheus.io/port"]))).toBe(SERVICE_PORT);
  });

  test("environment is a valid production configuration", () => {
    const config = loadConfig(environment);

    expect(config.production).toBe(true);
    expect(config.digicertApiUrl).toMatch(/^https:\/\//);
  });

  test("grace period outlasts preStop and drain", () => {
    const config = loadConfig(environment);
    const preStopMs = (container?.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const graceMs = (podTemplate.spec?.terminationGracePeriodSeconds ?? 30) * 1000;

    expect(environment.SHUTDOWN_GRACE_MS).toBeDefined();
    expect(preStopMs).toBeGreaterThan(0);
    expect(graceMs).toBeGreaterThan(config.shutdownGraceMs);
    expect(graceMs).toBeGreaterThan(preStopMs + config.shutdownGraceMs);
  });

  test("drain outlasts one DigiCert call", () => {
    const config = loadConfig(environment);

    expect(config.shutdownGraceMs).toBeGreaterThan(config.digicertTimeoutMs);
  });

  test("pod runs as non-root with a locked-down container", () => {
    const pod = podTemplate.spec?.securityContext ?? {};
    const own = container?.securityContext ?? {};

    expect(own.runAsNonRoot ?? pod.runAsNonRoot).toBe(true);
    expect(own.runAsUser ?? pod.runAsUser).toBe(1000);
    expect(own.seccompProfile?.type ?? pod.seccompProfile?.type).toBe("RuntimeDefault");
    expect(own.allowPrivilegeEscalation).toBe(false);
    expect(own.readOnlyRootFilesystem).toBe(true);
    expect(own.privileged ?? false).toBe(false);
    expect(own.capabilities?.drop).toContain("ALL");
  });

  test("resources set requests and limits", () => {
    const { requests = {}, limits = {} } = container?.resources ?? {};

    expect(bytes(requests.memory)).toBeLessThanOrEqual(bytes(limits.memory));
    expect(cores(requests.cpu)).toBeLessThanOrEqual(cores(limits.cpu));
  });

  test("heap cap fits the memory limit", () => {
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(environment.NODE_OPTIONS ?? "")?.[1]);

    expect(heapMiB).toBeGreaterThan(0);
    expect(heapMiB * 1024 ** 2).toBeLessThan(bytes(container?.resources?.limits?.memory));
  });

  test("Deployment selector matches pod labels", () => {
    expect(selects(deployment.spec?.selector?.matchLabels, podLabels)).toBe(true);
  });

  test("Service selector matches pod labels", () => {
    expect(selects(service.spec?.selector as Record<string, string> | undefined, podLabels)).toBe(true);
  });

  test("PodDisruptionBudget selects the pods", () => {
    expect(disruptionBudget.apiVersion).toBe("policy/v1");
    expect(selects(disruptionBudget.spec?.selector?.matchLabels, podLabels)).toBe(true);
  });

  test("HPA scales the Deployment on CPU", () => {
    const [metric] = autoscaler.spec?.metrics ?? [];

    expect(autoscaler.apiVersion).toBe("autoscaling/v2");
    expect(autoscaler.spec?.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata?.name });
    expect(metric?.resource?.name).toBe("cpu");
    expect(metric?.resource?.target?.type).toBe("Utilization");
    expect(container?.resources?.requests?.cpu).toBeDefined();
  });

  test("HPA minimum leaves room for the PDB", () => {
    const minReplicas = autoscaler.spec?.minReplicas ?? 1;
    const minAvailable = disruptionBudget.spec?.minAvailable;
    const maxUnavailable = disruptionBudget.spec?.maxUnavailable;

    // With minAvailable N, a node drain can evict a pod only while more than N are running.
    if (typeof minAvailable === "number") expect(minReplicas).toBeGreaterThan(minAvailable);
    else expect(maxUnavailable).toBeDefined();
    expect(autoscaler.spec?.maxReplicas ?? 0).toBeGreaterThanOrEqual(minReplicas);
  });

  test("Deployment leaves the replica count to the HPA", () => {
    expect(deployment.spec?.replicas).toBeUndefined();
  });
});
