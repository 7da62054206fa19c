/**
 * Knowledge-base articles shipped with the helpdesk: common IT problems in Polish,
 * English and German. Idempotent: running it again updates changed articles and
 * leaves feedback and deflection counts alone. Called by `seedKnowledgeBase` on
 * every start (it is reference content, not demo data).
 */
import type { Sequelize } from 'sequelize';
import { createKbRepo } from './kb-repo.ts';

export const KB_CATEGORIES = [
  { id: 'accounts', position: 1, names: { en: 'Accounts and passwords', pl: 'Konta i hasła', de: 'Konten und Passwörter' } },
  { id: 'network', position: 2, names: { en: 'Network and VPN', pl: 'Sieć i VPN', de: 'Netzwerk und VPN' } },
  { id: 'hardware', position: 3, names: { en: 'Printers and hardware', pl: 'Drukarki i sprzęt', de: 'Drucker und Hardware' } },
  { id: 'email', position: 4, names: { en: 'E-mail and calendar', pl: 'Poczta i kalendarz', de: 'E-Mail und Kalender' } },
] as const;

interface SeedArticle { slug: string; categoryId: string; versions: Record<string, { title: string; summary: string; body: string }> }

export const KB_ARTICLES: SeedArticle[] = [
  {
    slug: 'reset-password',
    categoryId: 'accounts',
    versions: {
      en: {
        title: 'Reset a forgotten password',
        summary: 'Set a new password yourself in the self-service password portal, in about two minutes.',
        body: `If you forgot your password or it has expired, you can set a new one yourself.

1. Open https://password.example.com on any device.
2. Enter your company e-mail address and choose "Forgot password".
3. Confirm with the code sent to your phone by text message or the authenticator app.
4. Choose a new password: at least 12 characters, not one of your last five.
5. Sign out and back in on your laptop, then update the password on your phone's mail app.

Locked out after too many attempts? Wait 15 minutes; the lock lifts by itself. If the code does not arrive, report a problem and choose "Accounts and passwords".`,
      },
      pl: {
        title: 'Resetowanie zapomnianego hasła',
        summary: 'Nowe hasło ustawisz samodzielnie w portalu haseł — zajmie to około dwóch minut.',
        body: `Jeśli nie pamiętasz hasła albo hasło wygasło, możesz samodzielnie ustawić nowe.

1. Otwórz https://password.example.com na dowolnym urządzeniu.
2. Wpisz służbowy adres e-mail i wybierz „Nie pamiętam hasła”.
3. Potwierdź kodem wysłanym SMS-em albo z aplikacji uwierzytelniającej.
4. Ustaw nowe hasło: co najmniej 12 znaków, inne niż pięć poprzednich.
5. Wyloguj się i zaloguj ponownie na laptopie, a potem zmień hasło w aplikacji pocztowej w telefonie.

Konto zablokowane po zbyt wielu próbach? Odczekaj 15 minut — blokada zniknie sama. Jeśli kod nie przychodzi, zgłoś problem w kategorii „Konta i hasła”.`,
      },
      de: {
        title: 'Vergessenes Passwort zurücksetzen',
        summary: 'Ein neues Passwort legen Sie selbst im Passwort-Portal fest – in etwa zwei Minuten.',
        body: `Wenn Sie Ihr Passwort vergessen haben oder es abgelaufen ist, können Sie selbst ein neues festlegen.

1. Öffnen Sie https://password.example.com auf einem beliebigen Gerät.
2. Geben Sie Ihre dienstliche E-Mail-Adresse ein und wählen Sie „Passwort vergessen“.
3. Bestätigen Sie mit dem Code per SMS oder aus der Authenticator-App.
4. Wählen Sie ein neues Passwort: mindestens 12 Zeichen, keines Ihrer letzten fünf.
5. Melden Sie sich am Laptop ab und wieder an und ändern Sie das Passwort in der Mail-App Ihres Telefons.

Nach zu vielen Versuchen gesperrt? Warten Sie 15 Minuten, die Sperre hebt sich von selbst. Kommt kein Code an, melden Sie ein Problem in der Kategorie „Konten und Passwörter“.`,
      },
    },
  },
  {
    slug: 'vpn-disconnects',
    categoryId: 'network',
    versions: {
      en: {
        title: 'VPN disconnects every few minutes',
        summary: 'Most VPN drops come from Wi-Fi power saving or an old client; both take a minute to fix.',
        body: `When the VPN connection drops again and again, try these steps in order.

1. Plug in the laptop's power: on battery, Wi-Fi power saving can drop the tunnel.
2. Update the VPN client: open the Software Centre and install "GlobalConnect VPN" if it offers an update.
3. Switch from Wi-Fi to a cable or to your phone's hotspot to see whether your home network is the cause.
4. Restart the laptop (a real restart, not sleep).

If the VPN still drops, report a problem with the time of the last drop; it helps us find it in the logs.`,
      },
      pl: {
        title: 'VPN rozłącza się co kilka minut',
        summary: 'Zrywanie VPN najczęściej powoduje oszczędzanie energii Wi-Fi albo stary klient — obie rzeczy naprawisz w minutę.',
        body: `Gdy połączenie VPN zrywa się raz po raz, wykonaj te kroki po kolei.

1. Podłącz zasilacz: na baterii oszczędzanie energii Wi-Fi potrafi zrywać tunel.
2. Zaktualizuj klienta VPN: otwórz Centrum oprogramowania i zainstaluj aktualizację „GlobalConnect VPN”, jeśli jest dostępna.
3. Przełącz się z Wi-Fi na kabel albo na hotspot z telefonu, żeby sprawdzić, czy winna jest sieć domowa.
4. Uruchom laptop ponownie (pełny restart, nie uśpienie).

Jeśli VPN nadal się rozłącza, zgłoś problem i podaj godzinę ostatniego rozłączenia — pomoże nam to znaleźć je w logach.`,
      },
      de: {
        title: 'VPN trennt sich alle paar Minuten',
        summary: 'Meist sind Energiesparen im WLAN oder ein alter Client schuld; beides ist in einer Minute behoben.',
        body: `Wenn die VPN-Verbindung immer wieder abbricht, gehen Sie diese Schritte der Reihe nach durch.

1. Schließen Sie das Netzteil an: im Akkubetrieb kann das WLAN-Energiesparen den Tunnel trennen.
2. Aktualisieren Sie den VPN-Client: Öffnen Sie das Software-Center und installieren Sie ein Update für „GlobalConnect VPN“, falls angeboten.
3. Wechseln Sie vom WLAN auf Kabel oder den Hotspot Ihres Telefons, um Ihr Heimnetz als Ursache auszuschließen.
4. Starten Sie den Laptop neu (ein echter Neustart, kein Standby).

Bricht das VPN weiterhin ab, melden Sie ein Problem mit der Uhrzeit des letzten Abbruchs; so finden wir ihn in den Protokollen.`,
      },
    },
  },
  {
    slug: 'printer-not-printing',
    categoryId: 'hardware',
    versions: {
      en: {
        title: 'The printer does not print',
        summary: 'Clear the print queue, check the printer\'s display and pick the right follow-me queue.',
        body: `Most printing problems are solved without a technician.

1. Look at the printer's display: paper jam, empty tray or toner messages say where to look.
2. Print to the "FollowMe" queue and release the job at any printer with your badge.
3. On your laptop open Settings → Printers, select the printer and choose "Open queue" → "Cancel all documents", then print again.
4. Paper jam message although no paper is stuck? Open and close every flap once; the sensor resets.

If the printer shows an error code, write it in your report.`,
      },
      pl: {
        title: 'Drukarka nie drukuje',
        summary: 'Wyczyść kolejkę wydruku, sprawdź wyświetlacz drukarki i wybierz właściwą kolejkę FollowMe.',
        body: `Większość problemów z drukowaniem rozwiążesz bez technika.

1. Sprawdź wyświetlacz drukarki: komunikat o zacięciu papieru, pustym podajniku lub tonerze wskaże, gdzie szukać.
2. Drukuj do kolejki „FollowMe” i odbierz wydruk na dowolnej drukarce, przykładając identyfikator.
3. Na laptopie otwórz Ustawienia → Drukarki, wybierz drukarkę, „Otwórz kolejkę” → „Anuluj wszystkie dokumenty” i wydrukuj ponownie.
4. Drukarka zgłasza zacięcie papieru, choć nic nie utknęło? Otwórz i zamknij raz każdą klapkę — czujnik się wyzeruje.

Jeśli drukarka pokazuje kod błędu, wpisz go w zgłoszeniu.`,
      },
      de: {
        title: 'Der Drucker druckt nicht',
        summary: 'Druckwarteschlange leeren, Anzeige am Drucker prüfen und die richtige FollowMe-Warteschlange wählen.',
        body: `Die meisten Druckprobleme lösen Sie ohne Techniker.

1. Sehen Sie auf die Anzeige des Druckers: Papierstau, leeres Fach oder Toner-Meldungen zeigen, wo es hakt.
2. Drucken Sie in die Warteschlange „FollowMe“ und geben Sie den Auftrag an einem beliebigen Drucker mit Ihrem Ausweis frei.
3. Öffnen Sie am Laptop Einstellungen → Drucker, wählen Sie den Drucker, „Warteschlange öffnen“ → „Alle Dokumente abbrechen“ und drucken Sie erneut.
4. Papierstau gemeldet, obwohl nichts klemmt? Öffnen und schließen Sie jede Klappe einmal; der Sensor setzt sich zurück.

Zeigt der Drucker einen Fehlercode, schreiben Sie ihn in Ihre Meldung.`,
      },
    },
  },
  {
    slug: 'mail-on-phone',
    categoryId: 'email',
    versions: {
      en: {
        title: 'Set up company mail on your phone',
        summary: 'Use the Outlook app with your company account; after a password change, sign in again there.',
        body: `Company mail on phones works through the Outlook app (iOS and Android).

1. Install "Microsoft Outlook" from the App Store or Google Play.
2. Open it, enter your company e-mail address and sign in with your usual password.
3. Approve the sign-in in the authenticator app.
4. Allow notifications so new mail is announced.

Mail stopped syncing after a password change? Open Outlook → Settings → your account → "Reset account", then sign in with the new password.`,
      },
      pl: {
        title: 'Poczta służbowa w telefonie',
        summary: 'Używaj aplikacji Outlook z kontem służbowym; po zmianie hasła zaloguj się w niej ponownie.',
        body: `Poczta służbowa w telefonie działa przez aplikację Outlook (iOS i Android).

1. Zainstaluj „Microsoft Outlook” z App Store albo Google Play.
2. Otwórz aplikację, wpisz służbowy adres e-mail i zaloguj się zwykłym hasłem.
3. Zatwierdź logowanie w aplikacji uwierzytelniającej.
4. Zezwól na powiadomienia, żeby widzieć nowe wiadomości.

Poczta przestała się synchronizować po zmianie hasła? Otwórz Outlook → Ustawienia → konto → „Resetuj konto” i zaloguj się nowym hasłem.`,
      },
      de: {
        title: 'Firmen-E-Mail auf dem Telefon einrichten',
        summary: 'Nutzen Sie die Outlook-App mit Ihrem Firmenkonto; nach einer Passwortänderung dort neu anmelden.',
        body: `Firmen-E-Mail auf dem Telefon läuft über die Outlook-App (iOS und Android).

1. Installieren Sie „Microsoft Outlook“ aus dem App Store oder von Google Play.
2. Öffnen Sie die App, geben Sie Ihre dienstliche E-Mail-Adresse ein und melden Sie sich mit Ihrem üblichen Passwort an.
3. Bestätigen Sie die Anmeldung in der Authenticator-App.
4. Erlauben Sie Benachrichtigungen, damit neue Mails angezeigt werden.

Keine neuen Mails mehr nach einer Passwortänderung? Öffnen Sie Outlook → Einstellungen → Ihr Konto → „Konto zurücksetzen“ und melden Sie sich mit dem neuen Passwort an.`,
      },
    },
  },
  {
    // Deliberately not yet translated into German: German readers see the English text, marked as such.
    slug: 'guest-wifi',
    categoryId: 'network',
    versions: {
      en: {
        title: 'Wi-Fi for guests',
        summary: 'Visitors get a day pass for the "Guest" network at reception.',
        body: `Guests use the "Guest" Wi-Fi network, separate from the company network.

1. Ask reception for a day pass; it is printed with the guest's name.
2. Connect to "Guest" and enter the code from the pass.

The pass is valid until midnight. Guests cannot reach internal systems; for a longer visit ask your manager to request a visitor account.`,
      },
      pl: {
        title: 'Wi-Fi dla gości',
        summary: 'Goście dostają w recepcji jednodniowy kod do sieci „Guest”.',
        body: `Goście korzystają z sieci Wi-Fi „Guest”, oddzielonej od sieci firmowej.

1. Poproś recepcję o jednodniowy kod; zostanie wydrukowany z nazwiskiem gościa.
2. Połącz się z siecią „Guest” i wpisz kod.

Kod jest ważny do północy. Goście nie mają dostępu do systemów wewnętrznych; na dłuższą wizytę poproś przełożonego o konto gościa.`,
      },
    },
  },
];

/** Writes the shipped categories and articles; safe to call on every start. */
export async function seedKnowledgeBase(sequelize: Sequelize): Promise<{ articles: number }> {
  const kb = createKbRepo(sequelize);
  for (const c of KB_CATEGORIES) await kb.upsertCategory({ ...c, names: { ...c.names } });
  let articles = 0;
  for (const a of KB_ARTICLES) {
    for (const [language, v] of Object.entries(a.versions)) {
      await kb.upsertArticle({ slug: a.slug, language, categoryId: a.categoryId, ...v });
      articles++;
    }
  }
  return { articles };
}
