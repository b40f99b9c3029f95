// Apply the saved theme before first paint so dark mode does not flash. A file, not an
// inline script, so the Content-Security-Policy can stay `script-src 'self'`.
(function () {
  try {
    var t = localStorage.getItem('atende.theme');
    var dark =
      t === 'dark' || ((!t || t === 'system') && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.classList.toggle('dark', dark);
  } catch (e) {
    /* storage unavailable: keep the default theme */
  }
})();
