using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Interfaces.Text;
using Dilemma.Grains.Research;
using Dilemma.Grains.Rooms;
using Dilemma.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;

namespace Dilemma.Grains.Sessions;

/// <summary>
/// One session. Non-reentrant, so enrolments and the start never interleave: the pool the start
/// groups is the whole pool, and a late arrival enrolling during the start is seated after it.
/// The session calls its rooms (and users, for consent) but nothing calls it back.
/// </summary>
public sealed partial class SessionGrain(
    [PersistentState("session", StorageNames.Game)] IPersistentState<SessionState> session,
    IFacilitatorActionStore audit,
    IOptions<GameOptions> game,
    TimeProvider time,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    // Code draws for one planned room before giving up, as for any room (RoomOpening).
    private const int CodeAttempts = 20;

    // Keyed broadcasts and moves remembered (SessionState.HandledActions): a facilitator retries within seconds, and a class's
    // actions number in the dozens, so the oldest of more than these are let go.
    private const int HandledActionsKept = 64;

    // Monitors of this session, by gateway connection; not stored, like every socket (they renew, and one whose gateway
    // stopped renewing is forgotten, on the grain's clock).
    private readonly ObserverManager<string, ISessionObserver> _monitors = new(ConnectionLease.Lifetime, logger)
    {
        GetDateTime = () => time.GetUtcNow().UtcDateTime,
    };

    private SessionState State => session.State;

    private string Code => this.GetPrimaryKeyString();

    public async Task<SessionView> CreateAsync(SessionCaller caller, SessionSettings settings, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorRoleNowAsync(caller, cancellationToken);
        if (State.Created)
        {
            throw RuleViolationException.Conflict("session_exists", "A session with this code exists already.");
        }

        SessionRules.EnsureSessionCode(Code);
        var title = settings.Title.Trim();
        if (title.Length is 0 or > SessionRules.TitleMaxLength || DisplayText.IsUnfit(title))
        {
            throw RuleViolationException.Invalid("invalid_title", "title", $"A title has 1 to {SessionRules.TitleMaxLength} characters, {DisplayText.Rule}.");
        }

        var scenario = await ScenarioOfAsync(settings.Topic, settings.ScenarioId);
        var language = settings.Language ?? ConsentTexts.Languages[0];
        if (!ConsentTexts.Languages.Contains(language, StringComparer.Ordinal))
        {
            throw RuleViolationException.Invalid("invalid_language", "language", $"language is one of: {string.Join(", ", ConsentTexts.Languages)}.");
        }

        var onDropout = settings.OnDropout ?? DropoutPolicy.Default;
        if (!DropoutPolicy.IsKnown(onDropout))
        {
            throw RuleViolationException.Invalid("invalid_on_dropout", "on_dropout", $"on_dropout is one of: {string.Join(", ", DropoutPolicy.All)}.");
        }

        var voice = settings.Voice ?? SessionRules.VoiceOptional;
        if (!SessionRules.VoiceModes.Contains(voice, StringComparer.Ordinal))
        {
            throw RuleViolationException.Invalid("invalid_voice", "voice", "voice is required or optional.");
        }

        ConsentTexts.EnsurePublishedIfGiven(settings.ConsentVersion, $"published: {string.Join(", ", ConsentTexts.All)}");
        var consentVersion = settings.ConsentVersion ?? ConsentTexts.Current;

        var remainderRule = settings.RemainderRule ?? RemainderRule.Wait;
        if (!RemainderRule.IsKnown(remainderRule))
        {
            throw RuleViolationException.Invalid("invalid_remainder_rule", "remainder_rule", $"remainder_rule is one of: {string.Join(", ", RemainderRule.All)}.");
        }

        if (remainderRule == RemainderRule.Bots && !settings.BotsAllowed)
        {
            throw RuleViolationException.Invalid("remainder_needs_bots", "remainder_rule", "remainder_rule bots needs bots_allowed true.");
        }

        // The label is what a researcher filters and exports by, so it is held to the rule of names too.
        if (settings.StudyLabel is { } label && (label.Length is 0 or > SessionRules.StudyLabelMaxLength || DisplayText.IsUnfit(label)))
        {
            throw RuleViolationException.Invalid("invalid_study_label", "study_label", $"study_label has 1 to {SessionRules.StudyLabelMaxLength} characters, {DisplayText.Rule}.");
        }

        EnsureTimer(settings.ChoiceSeconds, "choice_seconds");
        EnsureTimer(settings.ConsensusSeconds, "consensus_seconds");
        State.Created = true;
        State.FacilitatorId = caller.UserId;
        State.Title = title;
        State.Topic = scenario.Topic;
        State.ScenarioId = settings.ScenarioId is null ? null : scenario.Id;
        State.Language = language;
        State.ChoiceSeconds = settings.ChoiceSeconds;
        State.ConsensusSeconds = settings.ConsensusSeconds;
        State.OnDropout = onDropout;
        State.Voice = voice;
        State.BotsAllowed = settings.BotsAllowed;
        State.StudyLabel = settings.StudyLabel;
        State.ConsentVersion = consentVersion;
        State.RemainderRule = remainderRule;
        State.Status = SessionStatus.Open;
        State.CreatedAt = Now;
        await SaveAsync(cancellationToken);
        return View();
    }

    public async Task<SessionView> GetAsync(SessionCaller caller, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);
        return View();
    }

    public async Task<SessionSeat> EnrolAsync(long userId, SessionEnrolment enrolment, CancellationToken cancellationToken)
    {
        EnsureCreated();

        // The whole body is checked first, on an enrolment sent again as on the first: a repeat was answered before its
        // consent version was looked at, so an unpublished one got 200 and the consent it carried was dropped.
        // The room's own rule, here: a nickname the rooms would refuse must not wait in the pool to fail the start.
        AccountValidation.ThrowIfInvalidNickname(enrolment.Nickname);
        ConsentTexts.EnsurePublishedIfGiven(enrolment.ConsentVersion, $"this session asks for consent under {State.ConsentVersion}");

        if (State.LateArrival is not null)
        {
            // A new room asked for and never recorded (this very enrolment's, retried, or another's): recorded first, so
            // its late arrival finds their seat there and the next one sits beside them, rather than in another new room.
            await FinishLateArrivalAsync(cancellationToken);
        }

        if (State.Enrolled.Find(p => p.UserId == userId) is { } known)
        {
            await EnrolAgainAsync(known, enrolment, cancellationToken);
            if (known.RoomCode is { } seatedIn && State.Status == SessionStatus.Started && await LeftBeforeTheGameAsync(seatedIn, userId, cancellationToken))
            {
                await SeatAgainAsync(known, seatedIn, cancellationToken);
            }

            return Seat(known);
        }

        if (State.Status == SessionStatus.Closed)
        {
            throw RuleViolationException.Conflict("session_closed", "The session is closed.");
        }

        if (State.Enrolled.Count >= game.Value.MaxSessionParticipants)
        {
            throw RuleViolationException.Conflict("session_full", $"The session has its {game.Value.MaxSessionParticipants} participants.");
        }

        if (State.StartPlan is not null)
        {
            // A start cut short: finished first, so this participant is seated after it as a late arrival, not left in a pool nobody groups.
            await FinishStartAsync(cancellationToken);
        }

        var profile = await ConsentedProfileAsync(userId, enrolment, firstEnrolment: true, cancellationToken);
        var nickname = enrolment.Nickname?.Trim();
        var name = nickname ?? RoomRules.NicknameFromAccount(profile.Nickname ?? profile.Username);
        var entry = new SessionPoolEntry { UserId = userId, Nickname = nickname, Name = name, Attribute = enrolment.Attribute, EnrolledAt = Now };
        if (State.Status == SessionStatus.Started)
        {
            await SeatLateArrivalAsync(entry, cancellationToken);
        }

        State.Enrolled.Add(entry);
        await SaveAsync(cancellationToken);
        return Seat(entry);
    }

    /// <summary>
    /// An enrolment sent again (the page asks every few seconds; a student comes back by the code) applies what it gives, as a
    /// first one would, or is refused saying why; nothing it carries is dropped. Consents given under the session's text are
    /// recorded. A nickname or attribute replaces the earlier one while the student waits in the pool; once the session has
    /// seated them their room knows them by the first, so a different one is 409 <c>already_seated</c>, before anything is
    /// written. The session's consent is not demanded again: it was given to enter the pool, and one withdrawn since is the
    /// person's to withdraw (the export leaves them out), not a reason to keep them from the room they were seated in.
    /// </summary>
    private async Task EnrolAgainAsync(SessionPoolEntry known, SessionEnrolment enrolment, CancellationToken cancellationToken)
    {
        var nickname = enrolment.Nickname?.Trim();
        var renamed = nickname is not null && nickname != (known.Name ?? known.Nickname);
        var regrouped = enrolment.Attribute is not null && enrolment.Attribute != known.Attribute;
        var changed = renamed || regrouped;
        if (changed && State.StartPlan is not null)
        {
            // A start cut short has grouped them under the first name already: finished first, so they are told they are seated.
            await FinishStartAsync(cancellationToken);
        }

        if (changed && known.RoomCode is { } seatedIn)
        {
            throw new RuleViolationException(
                RuleViolationKind.Conflict,
                "already_seated",
                $"The session has seated you in room {seatedIn} under your first enrolment: a nickname or attribute changes only while you wait in the pool. Enrol again without it to find your room.")
            {
                Field = renamed ? "nickname" : "attribute",
            };
        }

        // Without a consent_version the body gives no consent: the page's poll, every few seconds per student, asks no account.
        if (enrolment.ConsentVersion is not null)
        {
            await ConsentedProfileAsync(known.UserId, enrolment, firstEnrolment: false, cancellationToken);
        }

        if (!changed)
        {
            // The page's poll: nothing to write.
            return;
        }

        if (renamed)
        {
            known.Nickname = nickname;
            known.Name = nickname;
        }

        if (regrouped)
        {
            known.Attribute = enrolment.Attribute;
        }

        await SaveAsync(cancellationToken);
    }

    public async Task LeavePoolAsync(long userId, CancellationToken cancellationToken)
    {
        EnsureCreated();

        // A start or a late arrival cut short may have seated them already: finished first, so the answer is the truth.
        if (State.LateArrival is not null)
        {
            await FinishLateArrivalAsync(cancellationToken);
        }

        if (State.StartPlan is not null)
        {
            await FinishStartAsync(cancellationToken);
        }

        if (State.Enrolled.Find(p => p.UserId == userId) is not { } entry)
        {
            return;
        }

        if (entry.RoomCode is not null)
        {
            throw RuleViolationException.Conflict("already_seated", "The session has seated you in a room; leave the game from the room instead.");
        }

        State.Enrolled.Remove(entry);
        await SaveAsync(cancellationToken);
    }

    public async Task<SessionView> StartAsync(SessionCaller caller, bool balanceByAttribute, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);
        if (State.Status != SessionStatus.Open)
        {
            throw RuleViolationException.Conflict(State.Status == SessionStatus.Closed ? "session_closed" : "session_started", "The session has already started.");
        }

        if (State.StartPlan is null)
        {
            var pool = State.Enrolled.ToArray();
            if (pool.Length == 0)
            {
                throw RuleViolationException.Conflict("pool_empty", "Nobody has enrolled yet.");
            }

            Random.Shared.Shuffle(pool);
            State.StartPlan = PlanOf(SessionGrouping.Plan(pool, State.RemainderRule, balanceByAttribute));

            // Durable before any room opens: a start cut short is finished with these rooms, not a second set.
            await SaveAsync(cancellationToken);
        }

        await FinishStartAsync(cancellationToken);
        return View();
    }

    /// <summary>
    /// A start cut short (its plan stored, the process gone), or a late arrival's new room asked for and not recorded, is finished
    /// before the session answers anything else.
    /// </summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailure.TranslatedAsync(() => FinishCutShortAsync(cancellationToken));

    private async Task FinishCutShortAsync(CancellationToken cancellationToken)
    {
        if (State.StartPlan is not null && State.Status == SessionStatus.Open)
        {
            try
            {
                await FinishStartAsync(cancellationToken);
            }
            catch (RuleViolationException e)
            {
                // A room refused for good: the session stays readable, and the facilitator's next start shows the refusal.
                LogStartNotFinished(logger, Code, e.Code);
            }
        }

        if (State.LateArrival is { } late)
        {
            try
            {
                await FinishLateArrivalAsync(cancellationToken);
            }
            catch (RuleViolationException e)
            {
                // Refused (no free code): dropped with nothing opened, and the student's next enrolment starts over.
                LogLateArrivalNotSeated(logger, Code, late.UserId, e.Code);
            }
        }
    }

    public async Task<SessionView> ActAsync(SessionCaller caller, FacilitatorAction action, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);

        // The reason is optional: a blank one is none. One given is audited and shown in the action log, so it is held to
        // the rule of names.
        if (string.IsNullOrWhiteSpace(action.Reason))
        {
            action = action with { Reason = null };
        }
        else if (action.Reason.Length > FacilitatorActionKind.ReasonMaxLength || DisplayText.IsUnfit(action.Reason))
        {
            throw RuleViolationException.Invalid("invalid_reason", "reason", $"A reason has at most {FacilitatorActionKind.ReasonMaxLength} characters, {DisplayText.Rule}.");
        }

        var onceKey = OnceKeyOf(action, caller.UserId);
        var handled = onceKey is not null && State.HandledActions.Contains(onceKey);
        DateTimeOffset? occurredAt = null;
        switch (action.Kind)
        {
            case FacilitatorActionKind.PauseRoom or FacilitatorActionKind.ResumeRoom:
                var madeBy = await RoomOf(action).PauseForSessionAsync(Code, action.Kind == FacilitatorActionKind.PauseRoom, onceKey, cancellationToken);
                if (madeBy != onceKey)
                {
                    // A press on a room already so, with a key or without, is the state reached, not a second action: audited
                    // under the key of the press that reached it (a row already, or the one its failed audit never wrote), or not
                    // at all when the whole session's pause or resume did, which has its own row.
                    if (madeBy is null || IsSessionWideKey(madeBy))
                    {
                        return View();
                    }

                    onceKey = madeBy;
                }

                break;
            case FacilitatorActionKind.ExtendDeadline:
                if (action.Seconds is not (> 0 and <= FacilitatorActionKind.MaxExtensionSeconds))
                {
                    throw RuleViolationException.Invalid("invalid_seconds", "seconds", $"seconds is from 1 to {FacilitatorActionKind.MaxExtensionSeconds}.");
                }

                await RoomOf(action).ExtendDeadlineForSessionAsync(Code, action.Seconds.Value, caller.UserId, action.IdempotencyKey, cancellationToken);
                break;
            case FacilitatorActionKind.RemoveParticipant:
                await RoomOf(action).RemoveForSessionAsync(Code, ParticipantOf(action), caller.UserId, action.IdempotencyKey, cancellationToken);
                break;
            case FacilitatorActionKind.FillWithBot:
                await RoomOf(action).FillSeatWithBotForSessionAsync(Code, ParticipantOf(action), caller.UserId, action.IdempotencyKey, cancellationToken);
                break;
            case FacilitatorActionKind.EndRoom:
                // When the room ended, sent again or not: the row is the same whichever attempt writes it.
                occurredAt = (await RoomOf(action).EndForSessionAsync(Code, caller.UserId, cancellationToken)).EndedEarlyAt;
                break;
            case FacilitatorActionKind.PauseSession or FacilitatorActionKind.ResumeSession:
                EnsureStarted();
                var paused = action.Kind == FacilitatorActionKind.PauseSession;
                var madeByEach = await Task.WhenAll(State.Rooms.Where(r => r.Started).Select(r => PausePlayingAsync(r.Code, paused, onceKey, cancellationToken)));
                if (SessionWideAuditKey(onceKey!, madeByEach) is not { } auditKey)
                {
                    return View();
                }

                onceKey = auditKey;
                break;
            case FacilitatorActionKind.Broadcast:
                EnsureStarted();
                action = action with { Message = BroadcastMessage(action.Message) };
                var at = Utc(Now);
                if (!handled)
                {
                    await Task.WhenAll(State.Rooms.Select(r => BroadcastToAsync(r.Code, action.Message!, at, cancellationToken)));
                    await KeepHandledAsync(onceKey);
                }

                break;
            case FacilitatorActionKind.MoveParticipant:
                if (action.IdempotencyKey is null && await MovedAlreadyAsync(action, cancellationToken) is { } moveKey)
                {
                    // The move is done (a retry whose answer was lost, say): answered as then, and audited under that move's key.
                    onceKey = moveKey;
                }
                else if (!handled)
                {
                    await MoveAsync(action, caller.UserId, onceKey, cancellationToken);
                    await KeepHandledAsync(action.IdempotencyKey is null ? null : onceKey);
                }

                break;
            case FacilitatorActionKind.CloseSession:
                State.Status = SessionStatus.Closed;
                await SaveAsync(cancellationToken);
                break;
            default:
                throw RuleViolationException.Invalid("unknown_action", "action", "Not a facilitator action.");
        }

        // The action has taken effect: a facilitator who stopped waiting (a closed tab cancels the call) must not leave it unaudited.
        // Should the audit fail, the facilitator's retry is recognised by its key (onceKey) and audited then, once.
        var entry = new FacilitatorActionEntry(Code, caller.UserId, action.Kind, action.RoomCode, action.UserId, action.Reason, occurredAt ?? Utc(Now), action.Message, action.ToRoomCode, onceKey);
        await audit.RecordAsync(entry, CancellationToken.None);

        // Only now, with the row there: a console open elsewhere reads its log again on this push. The effect's own signs (a
        // room's change, a broadcast heard) come before the row, and none at all from an action that changes no room (closing
        // enrolment, an audit made good by a retry).
        _monitors.Notify(monitor => monitor.OnFacilitatorAction(entry));
        return View();
    }

    public async Task<SessionWatch> WatchAsync(SessionCaller caller, string connectionId, ISessionObserver observer, CancellationToken cancellationToken)
    {
        // A monitor outlives the access token that opened it: each registration and renewal is judged again, so one whose
        // facilitator or admin role was taken away stops watching at once.
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);

        // An expired registration is as good as forgotten: pushes may have passed the connection by since.
        _monitors.ClearExpired();
        var known = _monitors.Observers.ContainsKey(connectionId);
        _monitors.Subscribe(connectionId, observer);
        return new SessionWatch(View(), known);
    }

    public Task UnwatchAsync(string connectionId, CancellationToken cancellationToken)
    {
        _monitors.Unsubscribe(connectionId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A keyed broadcast or move has taken effect: its key is stored, so the same request sent again is answered and audited
    /// rather than carried out again. Stored before the audit, whose failure the retry then makes good; should this write
    /// fail, the retry finds no key and is carried out again, as before keys were kept.
    /// </summary>
    private async Task KeepHandledAsync(string? onceKey)
    {
        if (onceKey is null)
        {
            return;
        }

        State.HandledActions.Add(onceKey);
        if (State.HandledActions.Count > HandledActionsKept)
        {
            State.HandledActions.RemoveRange(0, State.HandledActions.Count - HandledActionsKept);
        }

        // As the audit after it: the effect is there, and a facilitator who stopped waiting must not lose its record.
        await SaveAsync(CancellationToken.None);
    }

    /// <summary>
    /// What makes a replay of <paramref name="action"/> the same audit row: an end by its room (a room ends once, and a second
    /// end by the same actor is that end sent again); an action sent with an <c>Idempotency-Key</c> by a digest of the actor,
    /// the key and the request (so the same key on another request is still another row); an unkeyed pause, resume or move
    /// by a key drawn for it, which the effect keeps. Otherwise null: each is a row.
    /// </summary>
    private static string? OnceKeyOf(FacilitatorAction action, long actorId) => action switch
    {
        { Kind: FacilitatorActionKind.EndRoom, RoomCode: { } room } => $"{FacilitatorActionKind.EndRoom}:{room}",
        { IdempotencyKey: { } key } => KeyedOnceKey(action, actorId, key),

        // Stored where the effect is (the room's pause, the mover's enrolment), so that the same request without a key, finding
        // the effect there, is audited under it: once, and still when the first one's audit failed.
        { Kind: FacilitatorActionKind.PauseRoom or FacilitatorActionKind.ResumeRoom or FacilitatorActionKind.MoveParticipant or FacilitatorActionKind.PauseSession or FacilitatorActionKind.ResumeSession } =>
            $"{action.Kind}:{Guid.NewGuid():N}",
        _ => null,
    };

    /// <summary>
    /// A keyed action's key: a digest of who sent it, the key and the request. The whole session's pause or resume is named by
    /// its kind as well, as each room keeps the key of whatever paused or resumed it: a room's own pause, finding the room so
    /// by the whole session's, must not write a room's row under the session's key. Its digest is cut to fit the column (a
    /// 192-bit prefix of SHA-256 is as unique here as the whole).
    /// </summary>
    private static string KeyedOnceKey(FacilitatorAction action, long actorId, string key)
    {
        var digest = Idempotency.Fingerprint(new { ActorId = actorId, Key = key, Action = action with { IdempotencyKey = null } });
        return action.Kind is FacilitatorActionKind.PauseSession or FacilitatorActionKind.ResumeSession ? $"{action.Kind}:{digest[..48]}" : digest;
    }

    private static bool IsSessionWideKey(string key) =>
        key.StartsWith($"{FacilitatorActionKind.PauseSession}:", StringComparison.Ordinal) || key.StartsWith($"{FacilitatorActionKind.ResumeSession}:", StringComparison.Ordinal);

    /// <summary>
    /// What a whole session's pause or resume is audited under, from what each room still playing answered (the key of the
    /// press that left it so): its own key when it changed a room (or, sent again, had); when it changed none, the state is
    /// what one earlier press of the whole session reached in every room, audited under that press's key (its row already, or
    /// the one its failed audit never wrote); otherwise nothing happened to audit (no room playing, or rooms left as they are
    /// by presses of their own).
    /// </summary>
    private static string? SessionWideAuditKey(string onceKey, IReadOnlyCollection<PauseOutcome> madeByEach)
    {
        var playing = madeByEach.Where(m => !m.Finished).Select(m => m.MadeBy).ToList();
        if (playing.Contains(onceKey))
        {
            return onceKey;
        }

        return playing.Distinct().ToList() is [{ } reachedBy] && IsSessionWideKey(reachedBy) ? reachedBy : null;
    }

    public async Task<SessionResults> GetResultsAsync(SessionCaller caller, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);
        var rooms = await Task.WhenAll(State.Rooms.Select(r => ResultsOfAsync(r.Code, cancellationToken)));
        return SessionResultsCalculator.Compute(Code, State.Rooms.Count, rooms.OfType<SessionRoomResult>().ToList());
    }

    public async Task<IReadOnlyList<FacilitatorActionEntry>> GetActionsAsync(SessionCaller caller, CancellationToken cancellationToken)
    {
        await EnsureFacilitatorOfNowAsync(caller, cancellationToken);
        return await audit.ReadAsync(Code, cancellationToken);
    }

    /// <summary>
    /// The grouping as stored: every room with a code drawn now, distinct within the plan (two planned rooms under one
    /// code would be one room, since a session opening its own room again gets that room).
    /// </summary>
    private static SessionStartPlan PlanOf(GroupingPlan plan)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        while (codes.Count < plan.Rooms.Count)
        {
            codes.Add(RoomOpening.NewCode());
        }

        return new SessionStartPlan
        {
            Rooms = plan.Rooms.Zip(codes).Select((r, i) => new PlannedRoomState
            {
                Code = r.Second,
                Number = i + 1,
                UserIds = r.First.Members.Select(m => m.UserId).ToList(),
                Bots = r.First.Bots,
                Start = r.First.Start,
            }).ToList(),
            RemainderOutcome = plan.RemainderOutcome,
            Remainder = plan.Remainder.Select(m => m.UserId).ToList(),
            RemainderRooms = plan.RemainderRooms,
        };
    }

    /// <summary>
    /// Opens every planned room (again: a room the session opened already answers as it is, so nothing opens twice),
    /// then records them in one write and forgets the plan. A code another room holds is drawn again; such a code is
    /// stored only with that final write, so a crash in between can leave that one room unrecorded.
    /// </summary>
    private async Task FinishStartAsync(CancellationToken cancellationToken)
    {
        var plan = State.StartPlan!;
        await Task.WhenAll(plan.Rooms.Select(r => OpenPlannedAsync(r, cancellationToken)));
        foreach (var planned in plan.Rooms)
        {
            foreach (var member in State.Enrolled.Where(p => planned.UserIds.Contains(p.UserId)))
            {
                member.RoomCode = planned.Code;
            }

            State.Rooms.Add(new SessionRoomState { Code = planned.Code, UserIds = planned.UserIds.ToList(), Bots = planned.Bots, Started = planned.Start });
            if (!planned.Start)
            {
                State.WaitingRoom = planned.Code;
            }
        }

        if (plan.RemainderOutcome is { } outcome)
        {
            State.Remainder = new SessionRemainder(State.RemainderRule, plan.Remainder, outcome, plan.Rooms.TakeLast(plan.RemainderRooms).Select(r => r.Code).ToList());
        }

        State.Status = SessionStatus.Started;
        State.StartedAt = Now;
        State.StartPlan = null;
        await SaveAsync(cancellationToken);
    }

    private async Task OpenPlannedAsync(PlannedRoomState planned, CancellationToken cancellationToken)
    {
        var members = planned.UserIds.Select(id => State.Enrolled.Find(p => p.UserId == id) ?? new SessionPoolEntry { UserId = id }).ToList();
        var opening = OpeningOf(new PlannedRoom(members, planned.Bots, planned.Start), planned.Number);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await GrainFactory.GetGrain<IFacilitatedRoomGrain>(planned.Code).OpenForSessionAsync(opening, cancellationToken);
                return;
            }
            catch (RuleViolationException e) when (e.Code == "room_exists" && attempt < CodeAttempts)
            {
                // Another room has the code: this one opens under a new one.
                planned.Code = RoomOpening.NewCode();
            }
        }
    }

    /// <summary>A room of this session named by the action; any other code is room_not_found, as the room itself would answer.</summary>
    private IFacilitatedRoomGrain RoomOf(FacilitatorAction action) =>
        action.RoomCode is { } code && State.Rooms.Exists(r => r.Code == code)
            ? GrainFactory.GetGrain<IFacilitatedRoomGrain>(code)
            : throw RuleViolationException.NotFound("room_not_found", "No room of this session has this code.");

    /// <summary>
    /// Moves a participant between two rooms of this session: the target takes them first (a free seat or <c>no_free_seat</c>),
    /// and only then does the source let them go, so a refused move changes nothing. The session's own record follows.
    /// A move that stopped half-way (a room's or the session's write failed after the target had seated the mover) is
    /// finished by the facilitator's retry: the target's seat is taken as this move's, and the source lets go if it has not.
    /// </summary>
    private async Task MoveAsync(FacilitatorAction action, long actorId, string? onceKey, CancellationToken cancellationToken)
    {
        var userId = ParticipantOf(action);
        var source = RoomOf(action);
        var targetCode = action.ToRoomCode is { } to && State.Rooms.Exists(r => r.Code == to)
            ? to
            : throw new RuleViolationException(RuleViolationKind.NotFound, "room_not_found", "No room of this session has the code to_room_code.") { Field = "to_room_code" };
        if (targetCode == action.RoomCode)
        {
            throw RuleViolationException.Conflict("same_room", "to_room_code", "The participant is in that room already: to_room_code is another room of the session.");
        }

        var sourceRoom = State.Rooms.Single(r => r.Code == action.RoomCode);
        var targetGrain = GrainFactory.GetGrain<IFacilitatedRoomGrain>(targetCode);
        var entry = State.Enrolled.Find(p => p.UserId == userId);

        // Seated in the target while this session still has them in the source: only this move, stopped half-way, does that.
        var target = sourceRoom.UserIds.Contains(userId) ? await SeatedByEarlierMoveAsync(targetGrain, userId, cancellationToken) : null;
        if (target is not null)
        {
            // As below, once the target holds the mover: the rest is not given up half-way again.
            cancellationToken = CancellationToken.None;
            if (await SeatsAsync(source, userId, cancellationToken))
            {
                await source.MoveOutForSessionAsync(Code, userId, actorId, targetCode, cancellationToken);
            }
        }
        else
        {
            var from = await source.GetForSessionAsync(Code, cancellationToken);
            var seat = from.Participants.FirstOrDefault(p => p.UserId == userId)
                ?? throw new RuleViolationException(RuleViolationKind.NotFound, "participant_not_found", "No participant of this room has this user_id.") { Field = "user_id" };
            if (seat.IsBot || seat.Presence is ParticipantPresence.Removed)
            {
                throw RuleViolationException.Conflict("not_movable", "Only a person still seated in the room may be moved (not a bot, not a removed or moved seat).");
            }

            if (from.Phase == RoomPhase.Finished)
            {
                throw RuleViolationException.Conflict("room_finished", "The game in this room is over.");
            }

            target = await targetGrain.TakeSeatForSessionAsync(Code, new SessionMember(userId, entry?.Nickname ?? seat.Nickname), actorId, cancellationToken);

            // The target has seated the mover: from here the move is finished even if the facilitator stopped waiting, or
            // the mover would sit in two rooms until the move is sent again.
            cancellationToken = CancellationToken.None;
            await source.MoveOutForSessionAsync(Code, userId, actorId, targetCode, cancellationToken);
        }

        var targetRoom = State.Rooms.Single(r => r.Code == targetCode);
        sourceRoom.UserIds.Remove(userId);
        targetRoom.UserIds.Add(userId);
        if (entry is not null)
        {
            entry.RoomCode = targetCode;
            entry.MovedFrom = sourceRoom.Code;
            entry.MoveKey = onceKey;
        }

        if (targetCode == State.WaitingRoom && target.Phase != RoomPhase.Waiting)
        {
            targetRoom.Started = true;
            State.WaitingRoom = null;
        }

        if (sourceRoom.Code == State.WaitingRoom && sourceRoom.UserIds.Count == 0)
        {
            // Its last participant left it, so the room closed: the next late arrival gets a new one.
            State.WaitingRoom = null;
        }

        await SaveAsync(cancellationToken);
    }

    /// <summary>
    /// The audit key of the move that took the participant from the action's room to its target, when that is where they
    /// still sit; otherwise null. The session's record says whence the move came, the target that it holds them yet (a
    /// removal there since is not the move's state).
    /// </summary>
    private async Task<string?> MovedAlreadyAsync(FacilitatorAction action, CancellationToken cancellationToken) =>
        State.Enrolled.Find(p => p.UserId == action.UserId) is { MoveKey: { } key, RoomCode: { } at } entry
        && entry.MovedFrom == action.RoomCode
        && at == action.ToRoomCode
        && await SeatsAsync(GrainFactory.GetGrain<IFacilitatedRoomGrain>(at), entry.UserId, cancellationToken)
            ? key
            : null;

    /// <summary>The target room as it is, when it holds <paramref name="userId"/>; otherwise null.</summary>
    private async Task<RoomSnapshot?> SeatedByEarlierMoveAsync(IFacilitatedRoomGrain target, long userId, CancellationToken cancellationToken)
    {
        var room = await target.GetForSessionAsync(Code, cancellationToken);
        return Holds(room, userId) ? room : null;
    }

    /// <summary>Whether the room seats <paramref name="userId"/> (a source that has not let them go yet, a target that holds them still).</summary>
    private async Task<bool> SeatsAsync(IFacilitatedRoomGrain room, long userId, CancellationToken cancellationToken)
    {
        try
        {
            return Holds(await room.GetForSessionAsync(Code, cancellationToken), userId);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            // A waiting room closes when its last participant leaves (a mover's leave, say): nobody is seated there.
            return false;
        }
    }

    /// <summary>Whether <paramref name="userId"/> is seated in the room and not removed or moved out.</summary>
    private static bool Holds(RoomSnapshot room, long userId) =>
        room.Participants.Any(p => p.UserId == userId && p.Presence is not ParticipantPresence.Removed);

    private static string BroadcastMessage(string? message)
    {
        var text = message?.Trim();
        return text is { Length: > 0 and <= FacilitatorActionKind.MessageMaxLength } && !DisplayText.IsUnfit(text)
            ? text
            : throw RuleViolationException.Invalid("invalid_message", "message", $"message has 1 to {FacilitatorActionKind.MessageMaxLength} characters (after trimming), {DisplayText.Rule}.");
    }

    /// <summary>A room that closed (everyone left it before it started) has nobody to tell.</summary>
    private async Task BroadcastToAsync(string code, string message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            await GrainFactory.GetGrain<IFacilitatedRoomGrain>(code).BroadcastForSessionAsync(Code, message, at, cancellationToken);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            // Closed: no sockets, no one to tell.
        }
    }

    /// <summary>A room that closed before it started has no figures: null, and it counts only in the total.</summary>
    private async Task<SessionRoomResult?> ResultsOfAsync(string code, CancellationToken cancellationToken)
    {
        try
        {
            return await GrainFactory.GetGrain<IFacilitatedRoomGrain>(code).GetResultsForSessionAsync(Code, cancellationToken);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            return null;
        }
    }

    private static long ParticipantOf(FacilitatorAction action) =>
        action.UserId ?? throw new RuleViolationException(RuleViolationKind.Malformed, "missing_field", "Required field missing: user_id.") { Field = "user_id" };

    /// <summary>Pauses (or resumes) one room of a whole-session pause; a room whose game is over has nothing to pause.</summary>
    private async Task<PauseOutcome> PausePlayingAsync(string code, bool paused, string? onceKey, CancellationToken cancellationToken)
    {
        try
        {
            return new PauseOutcome(false, await GrainFactory.GetGrain<IFacilitatedRoomGrain>(code).PauseForSessionAsync(Code, paused, onceKey, cancellationToken));
        }
        catch (RuleViolationException e) when (e.Code == "room_finished")
        {
            // Finished (played out, or ended): the pause is for the rooms still playing.
            return new PauseOutcome(true, null);
        }
    }

    /// <summary>A room's answer to a whole session's pause or resume: finished, or the key of the press that left it so.</summary>
    private readonly record struct PauseOutcome(bool Finished, string? MadeBy);

    private void EnsureStarted()
    {
        if (State.Status == SessionStatus.Open)
        {
            throw RuleViolationException.Conflict("session_not_started", "The session has not started yet.");
        }
    }

    /// <summary>
    /// Whether the participant left the room this session seated them in before its game began: the room no longer lists them
    /// (one who leaves a game under way stays listed, as dropped), or it closed, which only a room still waiting does.
    /// </summary>
    private async Task<bool> LeftBeforeTheGameAsync(string roomCode, long userId, CancellationToken cancellationToken)
    {
        try
        {
            var room = await GrainFactory.GetGrain<IFacilitatedRoomGrain>(roomCode).GetForSessionAsync(Code, cancellationToken);
            return room.Participants.All(p => p.UserId != userId);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            return true;
        }
    }

    /// <summary>
    /// One who left their room before its game (the student left over, tired of waiting) and enrols again is seated as a late
    /// arrival is, rather than answered a room that no longer has them, which left them out of the class for good.
    /// </summary>
    private async Task SeatAgainAsync(SessionPoolEntry entry, string leftRoom, CancellationToken cancellationToken)
    {
        State.Rooms.Find(r => r.Code == leftRoom)?.UserIds.Remove(entry.UserId);
        State.Enrolled.Remove(entry);
        entry.RoomCode = null;
        entry.MovedFrom = null;
        entry.MoveKey = null;
        await SeatLateArrivalAsync(entry, cancellationToken);
        State.Enrolled.Add(entry);
        await SaveAsync(cancellationToken);
    }

    /// <summary>After the start a newcomer sits in the waiting room (opened for them if none is open); the third one starts it.</summary>
    private async Task SeatLateArrivalAsync(SessionPoolEntry entry, CancellationToken cancellationToken)
    {
        if (State.Rooms.Find(r => r.UserIds.Contains(entry.UserId)) is { } holding)
        {
            // Seated by an enrolment whose answer was lost (the room stored the seat, this session did not): that room is theirs.
            entry.RoomCode = holding.Code;
            return;
        }

        if (State.WaitingRoom is not null)
        {
            var waiting = State.Rooms.Single(r => r.Code == State.WaitingRoom);
            var room = await GrainFactory.GetGrain<IFacilitatedRoomGrain>(waiting.Code).SeatForSessionAsync(Code, new SessionMember(entry.UserId, entry.Nickname), cancellationToken);
            if (room is not null)
            {
                // The room's roster is the truth: a seat stored by a call that failed after it is this session's too.
                waiting.UserIds.AddRange(room.Participants.Where(p => !p.IsBot && !waiting.UserIds.Contains(p.UserId) && p.UserId != entry.UserId).Select(p => p.UserId));
            }

            var seated = room is not null && room.Participants.Any(p => p.UserId == entry.UserId);
            if (seated)
            {
                waiting.UserIds.Add(entry.UserId);
                entry.RoomCode = waiting.Code;
            }

            // Started (the third arrived, or its host began with bots) or closed (emptied, or abandoned): no longer the one to wait in.
            if (room is null || room.Phase != RoomPhase.Waiting)
            {
                waiting.Started = room is not null;
                State.WaitingRoom = null;
            }

            if (seated)
            {
                return;
            }
        }

        // Stored before the room opens, as a start's plan is: a room that opened with them as host while this session's write
        // then failed (or the call was cut off) is opened again by the retry and recorded, not left beside a second room of theirs.
        entry.RoomCode = RoomOpening.NewCode();
        State.LateArrival = entry;
        await SaveAsync(cancellationToken);
        await OpenLateArrivalRoomAsync(cancellationToken);
    }

    /// <summary>Seats the late arrival of <see cref="SessionState.LateArrival"/> in the room drawn for them, and enrols them.</summary>
    private async Task FinishLateArrivalAsync(CancellationToken cancellationToken)
    {
        var entry = State.LateArrival!;
        await OpenLateArrivalRoomAsync(cancellationToken);
        State.Enrolled.Add(entry);
        await SaveAsync(cancellationToken);
    }

    /// <summary>
    /// Opens the room drawn for <see cref="SessionState.LateArrival"/> (a room this session opened already answers as it is, its
    /// opening finished) and records it as the waiting room, in memory: the caller's write stores it with the enrolment.
    /// </summary>
    private async Task OpenLateArrivalRoomAsync(CancellationToken cancellationToken)
    {
        var entry = State.LateArrival!;
        var opening = OpeningOf(new PlannedRoom([entry], Bots: 0, Start: false), State.Rooms.Count + 1);
        RoomSnapshot? room = null;
        for (var attempt = 1; room is null; attempt++)
        {
            try
            {
                room = await GrainFactory.GetGrain<IFacilitatedRoomGrain>(entry.RoomCode!).OpenForSessionAsync(opening, cancellationToken);
            }
            catch (RuleViolationException e) when (e.Code == "room_exists" && attempt < CodeAttempts)
            {
                // Another room's code, so nothing of this arrival's is there: a new one, stored before it is asked as the first was.
                entry.RoomCode = RoomOpening.NewCode();
                await SaveAsync(cancellationToken);
            }
            catch (RuleViolationException e) when (e.Code == "room_not_found")
            {
                // It opened, and closed (left, or abandoned) before this session recorded it: a closed room of the session all the same.
                break;
            }
            catch (RuleViolationException e)
            {
                // Refused: nothing of this arrival's was opened, so nothing is left to finish.
                State.LateArrival = null;
                await SaveAsync(cancellationToken);
                if (e.Code == "room_exists")
                {
                    throw RoomOpening.NoFreeCode();
                }

                throw;
            }
            catch
            {
                // The room may have opened all the same: the next call, of any kind, activates the session from storage and
                // records it then, so the facilitator's views do not miss it until someone else enrols.
                DeactivateOnIdle();
                throw;
            }
        }

        State.Rooms.Add(new SessionRoomState { Code = entry.RoomCode!, UserIds = [entry.UserId], Started = room is { Phase: not RoomPhase.Waiting } });
        if (room is { Phase: RoomPhase.Waiting })
        {
            State.WaitingRoom = entry.RoomCode;
        }

        State.LateArrival = null;
    }

    private SessionRoomOpening OpeningOf(PlannedRoom planned, int number)
    {
        var title = $"{State.Title} · {number}";
        return new SessionRoomOpening(
            Code,
            State.FacilitatorId,
            title.Length > RoomRules.TitleMaxLength ? title[..RoomRules.TitleMaxLength] : title,
            State.Topic,
            State.ScenarioId,
            State.OnDropout,
            State.ChoiceSeconds,
            State.ConsensusSeconds,
            planned.Members.Select(m => new SessionMember(m.UserId, m.Nickname)).ToList(),
            planned.Bots,
            planned.Start,
            State.StudyLabel);
    }

    /// <summary>
    /// The enrolling user's profile, once they hold the consent this session asks for (a <paramref name="firstEnrolment"/>
    /// must; a repeat entered the pool with it). Whatever the body gives under the session's text is recorded, the voice
    /// consent too where the session does not require it: a box the student ticked is their decision, not to be dropped.
    /// A consent_version other than the session's is refused, since a consent to another text is not this session's.
    /// </summary>
    private async Task<UserProfile> ConsentedProfileAsync(long userId, SessionEnrolment enrolment, bool firstEnrolment, CancellationToken cancellationToken)
    {
        var user = GrainFactory.GetGrain<IUserGrain>(userId);
        var profile = await user.GetAsync(cancellationToken);
        var voiceNeeded = State.Voice == SessionRules.VoiceRequired;
        // Held now, and under this text: the mark of a grant stays after the consent is withdrawn.
        var hasData = profile.DataConsent && profile.DataConsentGiven?.Version == State.ConsentVersion;
        var hasVoice = profile.VoiceConsent && profile.VoiceConsentGiven?.Version == State.ConsentVersion;
        var givesData = enrolment.ConsentVersion == State.ConsentVersion;
        var givesVoice = givesData && enrolment.VoiceConsent;
        var otherText = enrolment.ConsentVersion is not null && !givesData;
        var lacking = firstEnrolment && !((hasData || givesData) && (!voiceNeeded || hasVoice || givesVoice));
        if (otherText || lacking)
        {
            var what = voiceNeeded ? "data use and voice recording" : "data use";
            // Data consent given under this text and only voice recording left out: the voice box is what the student has to tick.
            var field = !otherText && (hasData || givesData) ? "voice_consent" : "consent_version";
            throw new RuleViolationException(RuleViolationKind.Forbidden, "consent_required", $"This session asks for consent to {what} under consent text version {State.ConsentVersion}: send consent_version {State.ConsentVersion}{(voiceNeeded ? " and voice_consent true" : string.Empty)}.") { Field = field };
        }

        bool? data = givesData && !hasData ? true : null;
        bool? voice = givesVoice && !hasVoice ? true : null;
        if (data is not null || voice is not null)
        {
            await user.ChangeConsentAsync(new ConsentChange(data, voice, State.ConsentVersion), cancellationToken);
        }

        return profile;
    }

    private async Task<Scenario> ScenarioOfAsync(string? topic, string? scenarioId)
    {
        var catalog = GrainFactory.GetGrain<IScenarioCatalogGrain>(0);
        try
        {
            if (scenarioId is not null)
            {
                var chosen = await catalog.GetByIdAsync(scenarioId);
                return string.IsNullOrEmpty(topic) || topic == chosen.Topic
                    ? chosen
                    : throw RuleViolationException.Invalid("topic_mismatch", "topic", $"Scenario '{scenarioId}' is on topic '{chosen.Topic}', not '{topic}'.");
            }

            return await catalog.GetByTopicAsync(topic ?? throw new RuleViolationException(RuleViolationKind.Malformed, "missing_field", "Required field missing: topic (or scenario_id).") { Field = "topic" });
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            throw scenarioId is null
                ? RuleViolationException.Invalid("unknown_topic", "topic", $"There is no scenario for topic '{topic}'; GET /topics lists them.")
                : RuleViolationException.Invalid("unknown_scenario", "scenario_id", $"There is no scenario with id '{scenarioId}'.");
        }
    }

    private static void EnsureTimer(int? seconds, string field)
    {
        if (seconds is not null and (< RoomRules.MinTimerSeconds or > RoomRules.MaxTimerSeconds))
        {
            throw RuleViolationException.Invalid("invalid_timer", field, $"{field} is from {RoomRules.MinTimerSeconds} to {RoomRules.MaxTimerSeconds} seconds, or left out for no limit.");
        }
    }

    /// <summary>Sessions are run by facilitators, and admins may act for them.</summary>
    private static void EnsureFacilitatorRole(SessionCaller caller)
    {
        if (!caller.Has(AccountRoles.Facilitator) && !caller.Has(AccountRoles.Admin))
        {
            throw RuleViolationException.Forbidden("not_facilitator", "Only a facilitator (or an admin) may do this.");
        }
    }

    /// <summary>
    /// <see cref="EnsureFacilitatorRole"/> by the roles the access token was issued with and by those stored now: a token
    /// outlives a role taken away by up to <c>Auth:AccessTokenMinutes</c>, and a session's actions are power over students.
    /// </summary>
    private async Task EnsureFacilitatorRoleNowAsync(SessionCaller caller, CancellationToken cancellationToken)
    {
        EnsureFacilitatorRole(caller);
        EnsureFacilitatorRole(await StoredAsync(caller, cancellationToken));
    }

    /// <summary><see cref="EnsureFacilitatorOf"/>, judged by the roles stored now too (see <see cref="EnsureFacilitatorRoleNowAsync"/>).</summary>
    private async Task EnsureFacilitatorOfNowAsync(SessionCaller caller, CancellationToken cancellationToken)
    {
        EnsureFacilitatorOf(caller);
        EnsureFacilitatorOf(await StoredAsync(caller, cancellationToken));
    }

    private async Task<SessionCaller> StoredAsync(SessionCaller caller, CancellationToken cancellationToken) =>
        caller with { Roles = (await GrainFactory.GetGrain<IUserGrain>(caller.UserId).GetRolesAsync(cancellationToken)).Roles };

    /// <summary>The session's own facilitator, or an admin: a facilitator of another session is refused as anyone else is.</summary>
    private void EnsureFacilitatorOf(SessionCaller caller)
    {
        EnsureFacilitatorRole(caller);
        EnsureCreated();
        if (caller.UserId != State.FacilitatorId && !caller.Has(AccountRoles.Admin))
        {
            throw RuleViolationException.Forbidden("not_facilitator", "Only this session's facilitator (or an admin) may do this.");
        }
    }

    private void EnsureCreated()
    {
        if (!State.Created)
        {
            DeactivateOnIdle();
            throw RuleViolationException.NotFound("session_not_found", "No session has this code.");
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await session.WriteStateAsync(cancellationToken);
        }
        catch
        {
            // The state in memory is ahead of storage now: let the next call start from what was stored.
            DeactivateOnIdle();
            throw;
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private SessionSeat Seat(SessionPoolEntry entry) => new(Code, entry.UserId, State.Status, entry.RoomCode);

    private SessionView View() => new(
        Code,
        State.FacilitatorId,
        State.Title,
        State.Topic,
        State.ScenarioId,
        State.Language,
        State.ChoiceSeconds,
        State.ConsensusSeconds,
        State.OnDropout,
        State.Voice,
        State.BotsAllowed,
        State.StudyLabel,
        State.ConsentVersion,
        State.RemainderRule,
        State.Status,
        State.Enrolled.Where(p => p.RoomCode is null).Select(p => p.UserId).ToList(),
        State.Rooms.Select(r => new SessionRoomView(r.Code, r.UserIds.ToList(), r.Bots, r.Started)).ToList(),
        State.Remainder,
        State.WaitingRoom,
        Utc(State.CreatedAt),
        State.StartedAt is { } started ? Utc(started) : null,
        State.Enrolled.Where(p => p.RoomCode is null).Select(p => new SessionPoolMember(p.UserId, p.Name ?? p.Nickname, Utc(p.EnrolledAt))).ToList());

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionCode} could not finish its start on activation ({Code}); the next start retries it")]
    private static partial void LogStartNotFinished(ILogger logger, string sessionCode, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionCode} could not open the room of late arrival {UserId} on activation ({Code}); their next enrolment starts over")]
    private static partial void LogLateArrivalNotSeated(ILogger logger, string sessionCode, long userId, string code);
}
