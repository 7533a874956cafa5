import { useState } from 'preact/hooks';
import type { AgentCredentials, SignOutReason } from '../client';
import { Console } from './console';
import {
  forgetCredentials,
  loadCredentials,
  saveCredentials,
} from './credentials';
import { SignIn } from './sign-in';
import { strings } from './strings';

/** Signed out: the sign-in page; signed in: the console, until the agent signs out or is signed out. */
export function App({ url }: { url: string }) {
  const [credentials, setCredentials] = useState<AgentCredentials | null>(() =>
    loadCredentials(url),
  );
  const [notice, setNotice] = useState<{
    text: string;
    warning: boolean;
  } | null>(null);

  if (!credentials) {
    return (
      <SignIn
        url={url}
        notice={notice}
        onSignedIn={(signedIn) => {
          saveCredentials(signedIn);
          setNotice(null);
          setCredentials(signedIn);
        }}
      />
    );
  }
  return (
    <Console
      credentials={credentials}
      onSignedOut={(reason: SignOutReason) => {
        forgetCredentials();
        setNotice({
          text: strings.signIn.signedOut[reason],
          warning: reason !== 'signed-out',
        });
        setCredentials(null);
      }}
    />
  );
}
