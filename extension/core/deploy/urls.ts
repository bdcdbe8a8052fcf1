/** URL helpers of the deploy use cases. */

/** Whether a URL points at this machine (a worker elsewhere cannot reach it; nothing crosses a network). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
  } catch {
    return false;
  }
}

/** A URL as the client sends it (no trailing slash), for comparing targets; unparseable ones as given. */
export function normalUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}
