/**
 * The startup phase of one connection, up to its first ReadyForQuery:
 *
 *   [SSLRequest → 'S' + TLS handshake | 'N'] [GSSENCRequest → 'N']
 *   StartupMessage → [NegotiateProtocolVersion] → pg_hba rule → authentication exchange →
 *   AuthenticationOk → Backend.startup → ParameterStatus × n → BackendKeyData → ReadyForQuery
 *
 * A CancelRequest instead of a StartupMessage cancels the matching session and ends the
 * connection without a reply, as PostgreSQL does. Returns undefined when the connection ends
 * without a session (cancel request, or the client hung up, e.g. psql going to ask for a password).
 */
import { assert, FeatureNotSupportedError } from "@omnikv/base";
import type { AuthMethod, Session, StartupParams } from "./backend.ts";
import { authenticate, type AuthChannel } from "./auth/authenticate.ts";
import { matchHbaRule } from "./auth/hba.ts";
import {
  writeAuthentication,
  writeAuthenticationSasl,
  writeBackendKeyData,
  writeNegotiateProtocolVersion,
  writeParameterStatus,
  writeReadyForQuery,
} from "./codec/backend-messages.ts";
import { decodeStartupPacket, parseStartupOptions, type StartupPacket } from "./codec/startup-packet.ts";
import { MalformedMessageError } from "./errors.ts";
import { ConnectionRefusal, connectionErrors, hbaRejection } from "./error-fields.ts";
import type { ConnectionPort } from "./connection-port.ts";

/** SSLRequest and GSSENCRequest may each precede the StartupMessage; more is a confused client. */
const negotiationRoundsMax = 3;

type StartupMessage = Extract<StartupPacket, { kind: "startup" }>;

export async function runStartup(connection: ConnectionPort): Promise<Session | undefined> {
  const packet = await readStartupMessage(connection);
  if (packet === undefined) return undefined;
  const params = startupParams(packet);
  negotiateVersion(connection, packet);
  if (!connection.acquireSessionSlot()) throw new ConnectionRefusal(connectionErrors.tooManyClients);
  const method = chooseMethod(connection, params);
  if (method !== "trust") {
    const secret = await connection.host.options.backend.passwordSecret(params.user);
    await authenticate(method, params.user, secret, authChannel(connection));
  }
  writeAuthentication(connection.writer.out, 0);
  const session = await connection.host.options.backend.startup(params, {
    method,
    remoteAddress: connection.remoteAddress,
    isTls: connection.isTls,
  });
  const { processId, secretKey } = connection.host.registerCancelKey(connection, session.processId);
  connection.acquireSession(session, processId);
  sendSessionStart(connection, session, params, { processId, secretKey });
  return session;
}

async function readStartupMessage(connection: ConnectionPort): Promise<StartupMessage | undefined> {
  for (let round = 0; round < negotiationRoundsMax; round += 1) {
    const raw = await connection.nextRawMessage();
    if (raw === undefined) return undefined;
    assert(raw.type === 0, "the reader frames startup packets without a type byte");
    const packet = decodeStartupPacket(raw.payload);
    switch (packet.kind) {
      case "startup":
        return packet;
      case "cancelRequest":
        connection.host.cancel(packet.processId, packet.secretKey);
        return undefined;
      case "sslRequest": {
        const context = connection.host.tlsContext;
        // As PostgreSQL: no TLS over a Unix-domain socket, where there is no network to protect.
        if (context !== undefined && !connection.isTls && !connection.isLocal) {
          connection.upgradeToTls(context);
        } else {
          connection.writer.out.int8("N".charCodeAt(0));
        }
        connection.reader.expectStartupPacket();
        break;
      }
      case "gssEncRequest":
        connection.writer.out.int8("N".charCodeAt(0));
        connection.reader.expectStartupPacket();
        break;
    }
  }
  throw new MalformedMessageError("too many negotiation requests before the startup packet");
}

function startupParams(packet: StartupMessage): StartupParams {
  if (packet.majorVersion !== 3) {
    throw new FeatureNotSupportedError(
      `unsupported frontend protocol ${packet.majorVersion}.${packet.minorVersion}: server supports 3.0 to 3.0`,
    );
  }
  const user = packet.params.get("user") ?? "";
  if (user === "") throw new ConnectionRefusal({ severity: "FATAL", sqlState: "28000", message: "no PostgreSQL user name specified in startup packet" });
  const settings = new Map<string, string>();
  for (const [name, value] of packet.params) {
    if (name === "user" || name === "database" || name === "options" || name === "replication" || name.startsWith("_pq_.")) continue;
    settings.set(name, value);
  }
  for (const [name, value] of parseStartupOptions(packet.params.get("options") ?? "")) settings.set(name, value);
  const database = packet.params.get("database") ?? "";
  return { user, database: database === "" ? user : database, applicationName: settings.get("application_name") ?? "", settings };
}

/** A newer 3.x minor version or `_pq_.` protocol options: say what this server speaks (3.0, none). */
function negotiateVersion(connection: ConnectionPort, packet: StartupMessage): void {
  const unrecognized = [...packet.params.keys()].filter((name) => name.startsWith("_pq_."));
  if (packet.minorVersion === 0 && unrecognized.length === 0) return;
  writeNegotiateProtocolVersion(connection.writer.out, 0, unrecognized);
}

function chooseMethod(connection: ConnectionPort, params: StartupParams): Exclude<AuthMethod, "reject"> {
  const rule = matchHbaRule(connection.host.options.hba, {
    database: params.database,
    user: params.user,
    address: connection.remoteAddress,
    isTls: connection.isTls,
    isLocal: connection.isLocal,
  });
  if (rule === undefined || rule.method === "reject") {
    throw new ConnectionRefusal(hbaRejection(connection.remoteAddress, params.user, params.database, connection.isTls, rule !== undefined));
  }
  return rule.method;
}

function authChannel(connection: ConnectionPort): AuthChannel {
  return {
    sendRequest: (kind, data) => {
      writeAuthentication(connection.writer.out, kind, data);
      connection.writer.flush();
    },
    sendSaslMechanisms: (mechanisms) => {
      writeAuthenticationSasl(connection.writer.out, mechanisms);
      connection.writer.flush();
    },
    readPassword: async () => {
      const message = await connection.nextMessage();
      // The client hung up mid-exchange (psql does, to prompt for a password): end quietly.
      if (message === undefined) throw new ClientGoneError("the client closed the connection during authentication");
      if (message.kind !== "password") throw new MalformedMessageError(`expected password response, got message type ${message.kind}`);
      return message.payload;
    },
  };
}

/** The client closed the connection during authentication; nothing is sent, nothing is logged. */
export class ClientGoneError extends MalformedMessageError {}

function sendSessionStart(
  connection: ConnectionPort,
  session: Session,
  params: StartupParams,
  key: { readonly processId: number; readonly secretKey: number },
): void {
  const status = {
    ...connection.host.options.parameterStatus,
    application_name: params.applicationName,
    session_authorization: params.user,
    ...session.parameterStatus,
  };
  for (const [name, value] of Object.entries(status)) writeParameterStatus(connection.writer.out, name, value);
  writeBackendKeyData(connection.writer.out, key.processId, key.secretKey);
  writeReadyForQuery(connection.writer.out, session.transactionStatus);
  connection.writer.flush();
}
