import * as React from 'react';
import { SendIcon } from 'lucide-react';

import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import {
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
} from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { useI18n } from '@/lib/i18n/i18n-provider';
import { toast } from '@/lib/toast';
import type { NumberSummary, SimulatorInbound } from '@/types/api';

import { useSimulateInbound } from '../api/send-inbound';

export function SimulatorForm({ numbers }: { numbers: NumberSummary[] }) {
  const { t } = useI18n();
  const simulate = useSimulateInbound();
  const [numberId, setNumberId] = React.useState(numbers[0]?.id ?? '');
  const [text, setText] = React.useState('');
  const [kind, setKind] = React.useState<NonNullable<SimulatorInbound['type']>>('text');
  const needsText = kind === 'text';
  const takesText = kind !== 'audio';
  const selected = numbers.some((n) => n.id === numberId) ? numberId : (numbers[0]?.id ?? '');

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    simulate.mutate(
      {
        number_id: selected,
        wa_id: String(form.get('wa_id') ?? '').replace(/\D/g, ''),
        name: String(form.get('name') ?? '').trim(),
        type: kind,
        ...(takesText && text.trim() ? { text: text.trim() } : {}),
      },
      {
        onSuccess: () => {
          toast({ title: t('simulator.sent'), variant: 'success' });
          setText('');
        },
      },
    );
  };

  return (
    <Card className="max-w-xl">
      <CardHeader>
        <CardTitle>
          <h1 className="text-lg">{t('simulator.title')}</h1>
        </CardTitle>
        <CardDescription>{t('simulator.description')}</CardDescription>
      </CardHeader>
      <CardContent>
        {numbers.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t('simulator.noNumbers')}</p>
        ) : (
          <form onSubmit={submit} className="grid gap-4" data-testid="simulator-form">
            <div className="grid gap-2">
              <Label htmlFor="sim-number">{t('simulator.number')}</Label>
              <Select value={selected} onValueChange={setNumberId}>
                <SelectTrigger id="sim-number">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {numbers.map((n) => (
                    <SelectItem key={n.id} value={n.id}>
                      {n.label} · {n.display_phone_number}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="grid gap-2">
                <Label htmlFor="sim-wa-id">{t('simulator.waId')}</Label>
                <Input
                  id="sim-wa-id"
                  name="wa_id"
                  inputMode="tel"
                  required
                  defaultValue="5511987654321"
                  pattern="[0-9+ ()-]{8,20}"
                />
              </div>
              <div className="grid gap-2">
                <Label htmlFor="sim-name">{t('simulator.name')}</Label>
                <Input id="sim-name" name="name" required defaultValue="Maria Silva" />
              </div>
            </div>
            <div className="grid gap-2">
              <Label htmlFor="sim-type">{t('simulator.type')}</Label>
              <Select value={kind} onValueChange={(v) => setKind(v as typeof kind)}>
                <SelectTrigger id="sim-type">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="text">{t('simulator.typeText')}</SelectItem>
                  <SelectItem value="image">{t('simulator.typeImage')}</SelectItem>
                  <SelectItem value="audio">{t('simulator.typeAudio')}</SelectItem>
                  <SelectItem value="document">{t('simulator.typeDocument')}</SelectItem>
                </SelectContent>
              </Select>
            </div>
            {takesText ? (
              <div className="grid gap-2">
                <Label htmlFor="sim-text">
                  {needsText ? t('simulator.text') : t('simulator.caption')}
                </Label>
                <Textarea
                  id="sim-text"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  required={needsText}
                />
              </div>
            ) : null}
            <Button
              type="submit"
              disabled={simulate.isPending || (needsText && !text.trim())}
              className="justify-self-start"
            >
              <SendIcon aria-hidden="true" />
              {t('simulator.send')}
            </Button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
