// The Better Auth server session-tui's tests talk to: node server.mjs [PORT] (0 = any free port).
// Memory store, email and password sign-in, the admin and bearer plugins, on 127.0.0.1 only.
// Prints "ready http://127.0.0.1:PORT" once it accepts requests; SIGTERM stops it.
// Environment: BA_BASE_PATH (where the API is mounted, default /api/auth), BA_RATE_LIMIT=1
// (the built-in limiter), BA_FRESH_AGE / BA_UPDATE_AGE / BA_EXPIRES_IN (seconds).
// Test hooks, not part of Better Auth's API:
// POST /test-only/role {"email", "role"} sets a user's role in the store (Better Auth has no
// public way to make the first admin); POST /test-only/age {"token", "seconds"} moves a
// session's creation and expiry that far into the past (the store is in memory).
import http from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { admin, bearer } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";

const host = "127.0.0.1";
const basePath = process.env.BA_BASE_PATH || "/api/auth";
const store = { user: [], session: [], account: [], verification: [] };
let auth = null;
let handle = null;

function body(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve(text ? JSON.parse(text) : {});
      } catch (err) {
        reject(err);
      }
    });
  });
}

async function setRole(req, res) {
  const { email, role } = await body(req);
  const ctx = await auth.$context;
  const found = await ctx.internalAdapter.findUserByEmail(email);
  res.setHeader("content-type", "application/json");
  if (!found) {
    res.statusCode = 404;
    res.end(JSON.stringify({ message: "no such user" }));
    return;
  }
  const user = await ctx.internalAdapter.updateUser(found.user.id, { role: role || "admin" });
  res.end(JSON.stringify({ id: user.id, role: user.role }));
}

async function age(req, res) {
  const { token, seconds } = await body(req);
  const ctx = await auth.$context;
  const found = await ctx.internalAdapter.findSession(token);
  res.setHeader("content-type", "application/json");
  if (!found) {
    res.statusCode = 404;
    res.end(JSON.stringify({ message: "no such session" }));
    return;
  }
  const shift = (date) => new Date(new Date(date).getTime() - seconds * 1000);
  await ctx.internalAdapter.updateSession(token, {
    createdAt: shift(found.session.createdAt),
    expiresAt: shift(found.session.expiresAt),
  });
  res.end(JSON.stringify({ ok: true }));
}

const hooks = { "/test-only/role": setRole, "/test-only/age": age };

const server = http.createServer((req, res) => {
  if (req.url.startsWith(basePath + "/") && handle) {
    handle(req, res);
  } else if (req.method === "POST" && hooks[req.url]) {
    hooks[req.url](req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  } else {
    res.statusCode = 404;
    res.end("not found");
  }
});

server.listen(Number(process.argv[2] || 0), host, () => {
  const { port } = server.address();
  const session = {};
  for (const [key, env] of [
    ["expiresIn", "BA_EXPIRES_IN"],
    ["updateAge", "BA_UPDATE_AGE"],
    ["freshAge", "BA_FRESH_AGE"],
  ]) {
    if (process.env[env]) session[key] = Number(process.env[env]);
  }
  auth = betterAuth({
    baseURL: `http://${host}:${port}`,
    basePath,
    secret: "session-tui-tests-only-0123456789abcdef0123456789abcdef",
    database: memoryAdapter(store),
    emailAndPassword: { enabled: true },
    session,
    telemetry: { enabled: false },
    rateLimit: { enabled: process.env.BA_RATE_LIMIT === "1" },
    plugins: [admin(), bearer()],
  });
  handle = toNodeHandler(auth);
  console.log(`ready http://${host}:${port}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
