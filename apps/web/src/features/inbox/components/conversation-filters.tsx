import * as React from 'react';
import { SearchIcon, SlidersHorizontalIcon, XIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from '@/components/ui/select';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { useDebouncedValue } from '@/lib/use-now';
import { cn } from '@/lib/utils';
import type { ConversationFilters, NumberSummary, Ref } from '@/types/api';

const ANY = '__any__';

export type FilterValues = Pick<ConversationFilters, 'q' | 'status' | 'number_id' | 'team_id'>;

export function ConversationFiltersBar({
  value,
  onChange,
  numbers,
  teams,
}: {
  value: FilterValues;
  onChange: (next: FilterValues) => void;
  numbers: NumberSummary[];
  teams: Ref[];
}) {
  const { t } = useI18n();
  const [q, setQ] = React.useState(value.q ?? '');
  const [open, setOpen] = React.useState(false);
  const debouncedQ = useDebouncedValue(q, 300);
  const current = React.useRef(value);
  React.useEffect(() => {
    current.current = value;
  });

  React.useEffect(() => {
    if ((current.current.q ?? '') !== debouncedQ) {
      onChange({ ...current.current, q: debouncedQ || undefined });
    }
  }, [debouncedQ, onChange]);

  // Open conversations are the default; anything else counts as an active filter.
  const activeCount = [value.status !== 'open', value.number_id, value.team_id].filter(
    Boolean,
  ).length;
  const selectId = React.useId();

  return (
    <div className="grid gap-2">
      <div className="flex gap-2">
        <div className="relative min-w-0 flex-1">
          <SearchIcon
            className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
            aria-hidden="true"
          />
          <Input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t('inbox.search')}
            aria-label={t('inbox.search')}
            className="pl-8"
          />
        </div>
        <Button
          variant={activeCount > 0 ? 'secondary' : 'outline'}
          size="icon"
          aria-label={t('inbox.filters')}
          aria-expanded={open}
          aria-controls={`${selectId}-panel`}
          onClick={() => setOpen((o) => !o)}
          className="relative"
        >
          <SlidersHorizontalIcon aria-hidden="true" />
          {activeCount > 0 ? (
            <span className="absolute -top-1 -right-1 flex size-4 items-center justify-center rounded-full bg-primary text-[10px] text-primary-foreground">
              {activeCount}
            </span>
          ) : null}
        </Button>
      </div>
      <div
        id={`${selectId}-panel`}
        className={cn('grid grid-cols-1 gap-2 sm:grid-cols-3', !open && 'hidden')}
      >
        <div className="grid gap-1">
          <Label htmlFor={`${selectId}-status`} className="text-xs text-muted-foreground">
            {t('inbox.filter.status')}
          </Label>
          <Select
            value={value.status ?? ANY}
            onValueChange={(v) =>
              onChange({ ...value, status: v === ANY ? undefined : (v as FilterValues['status']) })
            }
          >
            <SelectTrigger id={`${selectId}-status`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANY}>{t('inbox.filter.anyStatus')}</SelectItem>
              <SelectItem value="open">{t('inbox.status.open')}</SelectItem>
              <SelectItem value="resolved">{t('inbox.status.resolved')}</SelectItem>
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor={`${selectId}-number`} className="text-xs text-muted-foreground">
            {t('inbox.filter.number')}
          </Label>
          <Select
            value={value.number_id ?? ANY}
            onValueChange={(v) => onChange({ ...value, number_id: v === ANY ? undefined : v })}
          >
            <SelectTrigger id={`${selectId}-number`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANY}>{t('inbox.filter.anyNumber')}</SelectItem>
              {numbers.map((n) => (
                <SelectItem key={n.id} value={n.id}>
                  {n.label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor={`${selectId}-team`} className="text-xs text-muted-foreground">
            {t('inbox.filter.team')}
          </Label>
          <Select
            value={value.team_id ?? ANY}
            onValueChange={(v) => onChange({ ...value, team_id: v === ANY ? undefined : v })}
          >
            <SelectTrigger id={`${selectId}-team`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={ANY}>{t('inbox.filter.anyTeam')}</SelectItem>
              {teams.map((team) => (
                <SelectItem key={team.id} value={team.id}>
                  {team.name}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </div>
        {activeCount > 0 ? (
          <Button
            variant="ghost"
            size="sm"
            className="justify-self-start sm:col-span-3"
            onClick={() =>
              onChange({ ...value, status: 'open', number_id: undefined, team_id: undefined })
            }
          >
            <XIcon aria-hidden="true" />
            {t('inbox.filter.clear')}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
