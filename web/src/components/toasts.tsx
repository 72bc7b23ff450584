import { createContext, type ComponentChildren } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";

export type ToastTone = "success" | "info" | "warning" | "error";

interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

/** Toasts disappear after this long (SPEC §13). */
export const TOAST_MS = 4200;

type Push = (tone: ToastTone, message: string) => void;
const ToastContext = createContext<Push>(() => {});

/** `toast(tone, message)` from anywhere under <ToastProvider>. */
export const useToast = () => useContext(ToastContext);

export function ToastProvider({ children }: { children: ComponentChildren }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((list) => list.filter((t) => t.id !== id));
  }, []);

  const push = useCallback<Push>(
    (tone, message) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-2), { id, tone, message }]);
      timers.current.set(
        id,
        setTimeout(() => dismiss(id), TOAST_MS),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const t of all.values()) clearTimeout(t);
    };
  }, []);

  return (
    <ToastContext.Provider value={push}>
      {children}
      <div class="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast toast-${t.tone}`} data-tone={t.tone}>
            <span class="toast-msg">{t.message}</span>
            <button type="button" class="toast-close" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
