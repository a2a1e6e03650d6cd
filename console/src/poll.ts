// Live progress: poll a job until its status is final, at a steady short interval.
import { isFinal } from "./status";

export interface Poller {
  stop(): void;
}

export function pollUntilFinal<T extends { status: string }>(
  load: () => Promise<T>,
  onUpdate: (value: T) => void,
  onError: (error: unknown) => void,
  intervalMs = 400,
): Poller {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    try {
      const value = await load();
      if (stopped) return;
      onUpdate(value);
      if (isFinal(value.status)) return;
    } catch (error) {
      if (stopped) return;
      onError(error);
      return;
    }
    timer = setTimeout(tick, intervalMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
