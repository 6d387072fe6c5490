import type { FastifyInstance } from "fastify";

/**
 * Starts listening, or exits with code 1 and a one-line message when the address is
 * taken or cannot be used, in place of Node's stack trace.
 */
export async function listenOrExit(app: FastifyInstance, port: number, host: string, portVariable = "PORT"): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      process.stderr.write(`Cannot listen on ${host}:${port} (${code}). Set ${portVariable} to a free port${code === "EADDRNOTAVAIL" ? " or HOST to an address of this machine" : ""}.\n`);
      process.exit(1);
    }
    throw error;
  }
}
