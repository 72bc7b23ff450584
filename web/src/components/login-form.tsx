import { useState } from "preact/hooks";
import * as api from "../api.js";
import { UnauthorizedError } from "../api.js";
import { describeError } from "../lib/errors.js";
import { Alert } from "./alert.js";
import { Logo } from "./badge.js";

/** The only thing shown while auth is on and there is no session: a token form (POST /api/session). */
export function LoginForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      const s = await api.signIn(token.trim());
      if (s.authenticated) onSignedIn();
      else setError("The server did not accept the token.");
    } catch (err) {
      setError(err instanceof UnauthorizedError ? "That token was not accepted." : describeError(err));
    } finally {
      setPending(false);
    }
  };

  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-h">
        <div class="brand">
          <Logo />
          <span>Slipway</span>
        </div>
        <h1 id="login-h">Sign in</h1>
        <p class="muted">
          This Slipway requires its API token (PAAS_AUTH_TOKEN). A session cookie keeps you signed in for 12 hours.
        </p>
        <label class="field">
          <span>API token</span>
          <input
            type="password"
            name="token"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            autoComplete="current-password"
            required
            autoFocus
          />
        </label>
        <Alert message={error} />
        <button type="submit" class="btn btn-primary" disabled={pending || token.trim() === ""}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
