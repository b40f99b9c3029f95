import { useI18n } from '@/lib/i18n/i18n-provider';
import type { VolumeHour } from '@/types/api';

const HEIGHT = 200;
const GROUP = 12;

/** Grouped bars (inbound vs outbound) per hour, drawn as plain SVG. */
export function VolumeChart({ data }: { data: VolumeHour[] }) {
  const { t, fmt } = useI18n();
  const max = Math.max(1, ...data.map((d) => Math.max(d.inbound, d.outbound)));
  const niceMax = max <= 5 ? 5 : Math.ceil(max / 5) * 5;
  const width = Math.max(1, data.length) * GROUP;
  const totalIn = data.reduce((s, d) => s + d.inbound, 0);
  const totalOut = data.reduce((s, d) => s + d.outbound, 0);
  const labelEvery = Math.max(1, Math.ceil(data.length / 12));
  const multiDay =
    data.length > 0 &&
    new Date(data[0]?.hour ?? 0).toDateString() !==
      new Date(data[data.length - 1]?.hour ?? 0).toDateString();
  const ticks = [0, niceMax / 2, niceMax];

  return (
    <figure className="grid gap-2" data-testid="volume-chart">
      <div className="flex gap-2">
        <div
          className="flex h-52 flex-col justify-between text-right text-[10px] text-muted-foreground tabular-nums"
          aria-hidden="true"
        >
          {[...ticks].reverse().map((v) => (
            <span key={v}>{fmt.number(v)}</span>
          ))}
        </div>
        <div className="relative h-52 flex-1">
          <svg
            role="img"
            aria-label={t('dashboard.chartLabel', {
              inbound: fmt.number(totalIn),
              outbound: fmt.number(totalOut),
            })}
            viewBox={`0 0 ${width} ${HEIGHT}`}
            preserveAspectRatio="none"
            className="absolute inset-0 size-full overflow-visible"
          >
            {ticks.map((v) => (
              <line
                key={v}
                x1={0}
                x2={width}
                y1={HEIGHT - (v / niceMax) * HEIGHT}
                y2={HEIGHT - (v / niceMax) * HEIGHT}
                className="stroke-border"
                strokeWidth={1}
                vectorEffect="non-scaling-stroke"
              />
            ))}
            {data.map((d, i) => {
              const x = i * GROUP;
              const hIn = (d.inbound / niceMax) * HEIGHT;
              const hOut = (d.outbound / niceMax) * HEIGHT;
              return (
                <g key={d.hour}>
                  <title>
                    {`${fmt.dateTime(d.hour)} — ${t('dashboard.inbound')}: ${fmt.number(d.inbound)}, ${t('dashboard.outbound')}: ${fmt.number(d.outbound)}`}
                  </title>
                  <rect x={x} y={0} width={GROUP} height={HEIGHT} fill="transparent" />
                  <rect
                    x={x + 1.5}
                    y={HEIGHT - hIn}
                    width={4.5}
                    height={hIn}
                    rx={1}
                    className="fill-chart-inbound"
                  />
                  <rect
                    x={x + 6}
                    y={HEIGHT - hOut}
                    width={4.5}
                    height={hOut}
                    rx={1}
                    className="fill-chart-outbound"
                  />
                </g>
              );
            })}
          </svg>
        </div>
      </div>
      <div className="ml-6 flex text-[10px] text-muted-foreground" aria-hidden="true">
        {data.map((d, i) => (
          <span key={d.hour} className="flex-1 text-center tabular-nums">
            {i % labelEvery === 0
              ? multiDay && new Date(d.hour).getHours() === 0
                ? fmt.shortDay(d.hour)
                : fmt.hour(d.hour)
              : ''}
          </span>
        ))}
      </div>
      <figcaption className="flex items-center justify-center gap-4 text-xs">
        <span className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-chart-inbound" aria-hidden="true" />
          {t('dashboard.inbound')}
        </span>
        <span className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm bg-chart-outbound" aria-hidden="true" />
          {t('dashboard.outbound')}
        </span>
      </figcaption>
      <table className="sr-only">
        <caption>{t('dashboard.volume')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dashboard.period')}</th>
            <th scope="col">{t('dashboard.inbound')}</th>
            <th scope="col">{t('dashboard.outbound')}</th>
          </tr>
        </thead>
        <tbody>
          {data
            .filter((d) => d.inbound > 0 || d.outbound > 0)
            .map((d) => (
              <tr key={d.hour}>
                <th scope="row">{fmt.dateTime(d.hour)}</th>
                <td>{d.inbound}</td>
                <td>{d.outbound}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}
