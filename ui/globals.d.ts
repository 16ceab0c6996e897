// The part of Tauri's global API (`withGlobalTauri`) this window uses.
interface Window {
  __TAURI__: {
    core: { invoke(cmd: string, args?: unknown): Promise<any> };
    event: {
      listen<T>(event: string, handler: (e: { payload: T }) => void): Promise<() => void>;
    };
  };
}
