using Dilemma.Grains.Accounts;
using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Interfaces.Text;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// One room. Non-reentrant on purpose: every call runs alone, so the rules below see a state
/// nobody else is changing. Each change is written to the research tables first, then to the
/// room's own state, and only then acknowledged — except a choice of the open round, whose
/// research row is its only record until the round's consensus writes the state (see
/// <see cref="SubmitChoiceAsync"/>).
/// </summary>
public sealed partial class RoomGrain(
    [PersistentState("room", StorageNames.Game)] IPersistentState<RoomState> room,
    [PersistentState("room-scenario", StorageNames.Game)] IPersistentState<RoomScenarioState> scenario,
    IResearchStore research,
    IFacilitator facilitator,
    GameMetrics metrics,
    TimeProvider time,
    ILogger<RoomGrain> logger) : Grain, IRoomGrain
{
    private const int SubmissionsKept = 100;
    private const string ChoiceKeyPrefix = "choice:";
    private const string ConsensusKeyPrefix = "consensus:";

    private RoomState State => room.State;

    private string Code => this.GetPrimaryKeyString();

    // The research rows read back here are our own tables: the driver's error has no codec, and reached the gateway as a
    // CodecNotFoundException, a 500.
    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailure.TranslatedAsync(() => ActivateAsync(cancellationToken));

    private async Task ActivateAsync(CancellationToken cancellationToken)
    {
        _monitors.GetDateTime = () => time.GetUtcNow().UtcDateTime;
        ScopeLegacySubmissionKeys();
        await DropStoredWithdrawalCodesAsync(cancellationToken);
        if (State.Created && State.Phase == RoomPhase.Started)
        {
            var recorded = await research.ReadActivationEventsAsync(Code, cancellationToken);
            if (recorded.EndedEarly is { } ended)
            {
                await FinishAsRecordedAsync(ended, cancellationToken);
            }
            else
            {
                AdoptRecordedGraces(recorded.Reconnecting);
                var roundClosed = await ReadBackOpenRoundAsync(cancellationToken);
                await RestoreRoundClockAsync(roundClosed, cancellationToken);
                if (BotChoiceMissing())
                {
                    ArmBotCatchUp();
                }
            }
        }

        WatchForAbandonment();
        WatchPresence();
        RearmGraces();
        CountPhase();
    }

    public Task<RoomSnapshot> CreateAsync(RoomCreation creation, CancellationToken cancellationToken) =>
        CreateAsync(creation, studyLabel: null, cancellationToken);

    /// <summary>Creates the room; a session's room (its code already in the state) records the session's study label with it.</summary>
    private async Task<RoomSnapshot> CreateAsync(RoomCreation creation, string? studyLabel, CancellationToken cancellationToken)
    {
        if (State.Created)
        {
            throw RoomExists();
        }

        RoomRules.EnsureRoomCode(Code);

        var title = creation.Title.Trim();
        if (title.Length is 0 or > RoomRules.TitleMaxLength || DisplayText.IsUnfit(title))
        {
            throw RuleViolationException.Invalid("invalid_title", "title", $"A title has 1 to {RoomRules.TitleMaxLength} characters, {DisplayText.Rule}.");
        }

        var onDropout = creation.OnDropout ?? DropoutPolicy.Default;
        if (!DropoutPolicy.IsKnown(onDropout))
        {
            throw RuleViolationException.Invalid("invalid_on_dropout", "on_dropout", $"on_dropout is one of: {string.Join(", ", DropoutPolicy.All)}.");
        }

        var choiceSeconds = ValidTimer(creation.ChoiceSeconds, "choice_seconds");
        var consensusSeconds = ValidTimer(creation.ConsensusSeconds, "consensus_seconds");
        var chosen = creation.ScenarioId is { } scenarioId ? await ScenarioByIdAsync(scenarioId, creation.Topic) : await ScenarioForAsync(creation.Topic);
        var nickname = await NicknameForAsync(creation.CreatorId, creation.Nickname, cancellationToken);
        var now = Now;

        // The words the room plays are kept before its row names them: the export shows them, not a later build's bank.
        var text = ScenarioText.Of(chosen);
        await research.RecordScenarioTextAsync(text, now, cancellationToken);
        if (!await research.TryRecordRoomAsync(new RoomRecord(Code, title, chosen.Topic, creation.IsPublic, creation.CreatorId, chosen.Id, now, State.SessionCode, studyLabel, text.Sha256), cancellationToken))
        {
            throw RoomExists();
        }

        await research.RecordParticipantAsync(Code, creation.CreatorId, nickname, now, cancellationToken);

        State.Created = true;
        State.Code = Code;
        State.Title = title;
        State.Topic = chosen.Topic;
        State.IsPublic = creation.IsPublic;
        State.Phase = RoomPhase.Waiting;
        State.HostUserId = creation.CreatorId;
        State.ScenarioId = chosen.Id;
        State.CreatedAt = now;
        State.OnDropout = onDropout;
        State.ChoiceSeconds = choiceSeconds;
        State.ConsensusSeconds = consensusSeconds;
        State.Participants = [new ParticipantState { UserId = creation.CreatorId, Nickname = nickname, JoinedAt = now }];
        State.Rounds = Enumerable.Range(1, RoomRules.Rounds).Select(n => new RoundState { RoundNumber = n }).ToList();
        scenario.State.Scenario = chosen;
        await SaveAsync(writeScenario: true, cancellationToken);
        WatchForAbandonment();
        CountPhase();
        return Snapshot();
    }

    public Task<RoomSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        EnsureCreated();
        return Task.FromResult(Snapshot());
    }

    public Task<RoomDetails> GetDetailsAsync(CancellationToken cancellationToken)
    {
        EnsureCreated();
        return Task.FromResult(new RoomDetails(Snapshot(), Scenario));
    }

    public async Task<RoomSnapshot> JoinAsync(long userId, string? nickname, CancellationToken cancellationToken)
    {
        EnsureCreated();
        if (Find(userId) is null && ((!State.IsPublic && State.Phase != RoomPhase.Waiting) || State.SessionCode is not null))
        {
            // A private game under way is no one else's business: to a stranger it does not exist. Nor is a session's
            // room, whose seats the session deals from its enrolments (its consent, close and bound): a code passed on
            // must not lead round them.
            throw RoomNotFound();
        }

        return await TakeFreeSeatAsync(userId, nickname, cancellationToken);
    }

    /// <summary>A free seat of this waiting room for a new participant, whoever sent them (a join by code, or the room's session); a seated one's again.</summary>
    private async Task<RoomSnapshot> TakeFreeSeatAsync(long userId, string? nickname, CancellationToken cancellationToken)
    {
        if (Find(userId) is not null)
        {
            return Snapshot();
        }

        EnsurePhase(RoomPhase.Waiting);
        if (State.Participants.Count >= RoomRules.Capacity)
        {
            throw RuleViolationException.Conflict("room_full", $"The room already has {RoomRules.Capacity} participants.");
        }

        var name = await NicknameForAsync(userId, nickname, cancellationToken);
        var now = Now;
        await research.RecordParticipantAsync(Code, userId, name, now, cancellationToken);
        State.Participants.Add(new ParticipantState { UserId = userId, Nickname = name, JoinedAt = now });
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> LeaveAsync(long userId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var leaving = Participant(userId);
        if (State.Phase == RoomPhase.Started)
        {
            await LeaveStartedGameAsync(leaving, cancellationToken);
            return Snapshot();
        }

        EnsurePhase(RoomPhase.Waiting);

        var remaining = State.Participants.Where(p => p.UserId != userId).ToList();
        // Bots keep no room open on their own, and never host it.
        if (remaining.All(p => p.IsBot))
        {
            await CloseAfterLastLeaverAsync(leaving, cancellationToken);
            return Snapshot();
        }

        var host = State.HostUserId == userId ? remaining.Where(p => !p.IsBot).MinBy(p => p.JoinedAt)!.UserId : State.HostUserId;
        await research.RecordLeaveAsync(Code, userId, Now, cancellationToken);
        if (host != State.HostUserId)
        {
            await research.RecordRoomProgressAsync(Progress(host), cancellationToken);
        }

        State.Participants.Remove(leaving);
        State.HostUserId = host;
        EvictFromRealtime(userId);

        // Roles are dealt to exactly three people; a changed table deals again.
        State.Participants.ForEach(p => p.RoleId = null);
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> AssignRolesAsync(long callerId, IReadOnlyList<RoleAssignment>? assignments, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);
        EnsurePhase(RoomPhase.Waiting);
        if (State.Participants.Count != RoomRules.Capacity)
        {
            throw RuleViolationException.Conflict("participants_pending", $"Roles are assigned when the room has exactly {RoomRules.Capacity} participants; it has {State.Participants.Count}.");
        }

        await ApplyRolesAsync(assignments is null ? DealRandomly() : Validate(assignments), cancellationToken);
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    /// <summary>Records the roles, then gives each seat its own (not yet stored: the caller's write does).</summary>
    private async Task ApplyRolesAsync(List<RoleAssignment> roles, CancellationToken cancellationToken)
    {
        await research.RecordRolesAsync(Code, roles.Select(r => (r.UserId, r.RoleId)).ToList(), cancellationToken);
        foreach (var participant in State.Participants)
        {
            participant.RoleId = roles.Single(r => r.UserId == participant.UserId).RoleId;
        }
    }

    public async Task<RoomSnapshot> StartAsync(long callerId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);
        EnsurePhase(RoomPhase.Waiting);
        if (State.Participants.Count != RoomRules.Capacity || State.Participants.Any(p => p.RoleId is null))
        {
            throw RuleViolationException.Conflict("roles_not_assigned", "The host assigns the three roles before the game starts.");
        }

        await BeginAsync(cancellationToken);
        return Snapshot();
    }

    /// <summary>Opens round 1 of a room whose seats have their roles: the host's start, and a session's.</summary>
    private async Task BeginAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        await research.RecordRoomProgressAsync(Progress(State.HostUserId, RoomPhase.Started, 1, now, null), cancellationToken);
        State.Phase = RoomPhase.Started;
        State.CurrentRound = 1;
        State.StartedAt = now;
        StartRoundClock(now);
        await BotsChooseAsync(now, cancellationToken);
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        StopWatchingForAbandonment();
        WatchPresence();
        CountPhase();
    }

    public async Task<SubmissionReceipt> SubmitChoiceAsync(long userId, ChoiceSubmission submission, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var chooser = Participant(userId);
        if (Replay(SubmissionOperation.Choice, userId, submission) is { } replayed)
        {
            return replayed;
        }

        await ApplyDeadlineIfOverdueAsync(cancellationToken);
        EnsurePlaying();
        EnsureTakingPart(chooser);
        var round = OpenRound(submission);
        EnsureChoicesOpen(round);
        var previous = round.Choices.Find(c => c.UserId == userId);
        var revision = (previous?.Revision ?? 0) + 1;
        var now = Now;
        await research.RecordChoiceAsync(
            new ChoiceRecord(Code, userId, submission.RoundNumber, submission.Choice, submission.Confidence, revision, submission.SubmissionId, now, Language: submission.Language),
            cancellationToken);

        // The research row just written is this revision's durable record, so the room's state
        // is not written for it: revisions are the busiest call, and a second write (the whole
        // state) doubled the database work of each. The round's consensus writes the state with
        // every choice in it; an activation before that reads the open round's rows back.
        State.Version++;
        var receipt = ApplyChoice(round, userId, submission, revision, now);
        metrics.ChoiceRecorded();
        if (OpenConsensusClockIfDue(now))
        {
            // The last choice opened the consensus and its deadline: that one is stored, choices and all.
            await SaveAsync(writeScenario: false, cancellationToken);
            await KeepDeadlineReminderAsync();
        }
        else
        {
            PushRoomUpdate();
        }

        return receipt;
    }

    public async Task<SubmissionReceipt> SubmitConsensusAsync(long userId, ChoiceSubmission submission, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var submitter = Participant(userId);
        if (Replay(SubmissionOperation.Consensus, userId, submission) is { } replayed)
        {
            return replayed;
        }

        await ApplyDeadlineIfOverdueAsync(cancellationToken);

        if (State.Phase == RoomPhase.Waiting)
        {
            throw RuleViolationException.Conflict("room_not_started", "The game has not started yet.");
        }

        ValidateRanges(submission);
        if (State.Rounds[submission.RoundNumber - 1].Consensus is not null)
        {
            throw RuleViolationException.Conflict("consensus_exists", $"Round {submission.RoundNumber} already has its consensus.");
        }

        EnsurePlaying();
        EnsureTakingPart(submitter);
        var round = OpenRound(submission);

        // Those who no longer take part (dropped, removed) are not waited for: their seat is recorded absent.
        var taking = State.Participants.Where(TakesPart).ToList();
        var pending = round.ChoicesClosed ? 0 : taking.Count(p => !HasChosenIn(round, p));
        if (pending > 0)
        {
            throw RuleViolationException.Conflict(
                "choices_pending",
                $"The consensus comes after every individual choice; {pending} of {taking.Count} still to choose.");
        }

        var now = Now;
        await RecordAbsencesAsync(round, now, cancellationToken);
        await research.RecordConsensusAsync(
            new ConsensusRecord(Code, submission.RoundNumber, submission.Choice, submission.Confidence, userId, submission.SubmissionId, now, submission.Language),
            cancellationToken);
        round.Consensus = new ConsensusState { Choice = submission.Choice, Confidence = submission.Confidence, SubmittedBy = userId, RecordedAt = now };
        await CloseRoundAsync(submission.RoundNumber, now, cancellationToken);

        var receipt = Receipt(userId, submission, 1, now);
        Remember(SubmissionOperation.Consensus, userId, receipt);
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        metrics.ConsensusRecorded();
        CountPhase();
        return receipt;
    }

    public async Task<RoomStatistics> GetStatisticsAsync(RoomViewer viewer, CancellationToken cancellationToken)
    {
        EnsureCreated();
        if (await AccessOfAsync(viewer, cancellationToken) != RoomAccess.Full)
        {
            throw Outsider();
        }

        return RoomStatisticsCalculator.Compute(State, Scenario);
    }

    private static RuleViolationException RoomExists() => RuleViolationException.Conflict("room_exists", "A room with this code exists already.");

    private static void ValidateRanges(ChoiceSubmission submission)
    {
        if (submission.RoundNumber is < 1 or > RoomRules.Rounds)
        {
            throw RuleViolationException.Invalid("invalid_round", "round_number", $"round_number is from 1 to {RoomRules.Rounds}.");
        }

        if (submission.Choice is < RoomRules.MinChoice or > RoomRules.MaxChoice)
        {
            throw RuleViolationException.Invalid("invalid_choice", "choice", $"choice is from {RoomRules.MinChoice} to {RoomRules.MaxChoice}.");
        }

        if (submission.Confidence is < RoomRules.MinConfidence or > RoomRules.MaxConfidence)
        {
            throw RuleViolationException.Invalid("invalid_confidence", "confidence", $"confidence is from {RoomRules.MinConfidence} to {RoomRules.MaxConfidence}.");
        }

        if (submission.SubmissionId is { Length: 0 or > RoomRules.SubmissionIdMaxLength })
        {
            throw RuleViolationException.Invalid("invalid_submission_id", "submission_id", $"submission_id has 1 to {RoomRules.SubmissionIdMaxLength} characters.");
        }
    }

    private Scenario Scenario => scenario.State.Scenario
        ?? throw new InvalidOperationException($"Room {Code} has no stored scenario.");

    // Whole microseconds, as the research tables' DATETIME(6) keep them: a receipt read back from a
    // row after a reactivation then carries the very time the first answer did.
    private DateTime Now
    {
        get
        {
            var now = time.GetUtcNow().UtcDateTime;
            return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        }
    }

    private void EnsureCreated()
    {
        if (!State.Created || State.ClosedAt is not null)
        {
            // Nothing to keep in memory for a code nobody opened, or a room that closed.
            DeactivateOnIdle();
            throw RoomNotFound();
        }
    }

    private void EnsurePhase(RoomPhase expected)
    {
        if (State.Phase == expected)
        {
            return;
        }

        throw PhaseConflict();
    }

    private RuleViolationException PhaseConflict() =>
        State.Phase switch
        {
            RoomPhase.Started => RuleViolationException.Conflict("room_started", "The game has already started."),
            RoomPhase.Finished => RuleViolationException.Conflict("room_finished", "The game is over."),
            _ => RuleViolationException.Conflict("room_not_started", "The game has not started yet."),
        };

    private void EnsurePlaying() => EnsurePhase(RoomPhase.Started);

    private void EnsureHost(long callerId)
    {
        Participant(callerId);
        if (State.HostUserId != callerId)
        {
            throw RuleViolationException.Forbidden("not_host", "Only the host may do this.");
        }
    }

    private ParticipantState? Find(long userId) => State.Participants.Find(p => p.UserId == userId);

    private ParticipantState Participant(long userId) => Find(userId) ?? throw Outsider();

    /// <summary>
    /// The participant a host's or facilitator's action names: one not seated here is participant_not_found on user_id,
    /// not the caller's own room_not_found or not_participant (the caller is checked apart).
    /// </summary>
    private ParticipantState Named(long userId) =>
        Find(userId) ?? throw new RuleViolationException(RuleViolationKind.NotFound, "participant_not_found", "No participant of this room has this user_id.") { Field = "user_id" };

    /// <summary>The open round the submission is for, after every range and round rule.</summary>
    private RoundState OpenRound(ChoiceSubmission submission)
    {
        ValidateRanges(submission);
        if (submission.RoundNumber != State.CurrentRound)
        {
            throw RuleViolationException.Conflict("wrong_round", $"Round {State.CurrentRound} is open, not round {submission.RoundNumber}.");
        }

        var options = Scenario.Rounds[submission.RoundNumber - 1].Options.Count;
        if (submission.Choice >= options)
        {
            throw RuleViolationException.Invalid("invalid_choice", "choice", $"Round {submission.RoundNumber} has {options} options: choice is from 0 to {options - 1}.");
        }

        return State.Rounds[submission.RoundNumber - 1];
    }

    private List<RoleAssignment> DealRandomly()
    {
        var roles = Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole).ToArray();
        Random.Shared.Shuffle(roles);
        return State.Participants.Select((p, i) => new RoleAssignment(p.UserId, roles[i])).ToList();
    }

    private List<RoleAssignment> Validate(IReadOnlyList<RoleAssignment> assignments)
    {
        var everyoneOnce = assignments.Count == RoomRules.Capacity
            && assignments.Select(a => a.UserId).Distinct().Count() == RoomRules.Capacity
            && assignments.All(a => Find(a.UserId) is not null);
        var eachRoleOnce = assignments.Select(a => a.RoleId).Order().SequenceEqual(Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole));
        if (!everyoneOnce || !eachRoleOnce)
        {
            throw RuleViolationException.Invalid(
                "invalid_roles",
                "assignments",
                "Assign roles 1, 2 and 3 once each, one to each of the three participants.");
        }

        return assignments.ToList();
    }

    private async Task<Scenario> ScenarioForAsync(string topic)
    {
        try
        {
            return await GrainFactory.GetGrain<IScenarioCatalogGrain>(0).GetByTopicAsync(topic);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            throw RuleViolationException.Invalid("unknown_topic", "topic", $"There is no scenario for topic '{topic}'; GET /topics lists them.");
        }
    }

    /// <summary>A room on a named scenario (a generated one, say); a topic given beside it must be the scenario's own.</summary>
    private async Task<Scenario> ScenarioByIdAsync(string scenarioId, string? topic)
    {
        Scenario chosen;
        try
        {
            chosen = await GrainFactory.GetGrain<IScenarioCatalogGrain>(0).GetByIdAsync(scenarioId);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            throw RuleViolationException.Invalid("unknown_scenario", "scenario_id", $"There is no scenario with id '{scenarioId}'.");
        }

        return string.IsNullOrEmpty(topic) || topic == chosen.Topic
            ? chosen
            : throw RuleViolationException.Invalid("topic_mismatch", "topic", $"Scenario '{scenarioId}' is on topic '{chosen.Topic}', not '{topic}'; leave topic out or give that one.");
    }

    private async Task<string> NicknameForAsync(long userId, string? nickname, CancellationToken cancellationToken)
    {
        if (nickname is not null)
        {
            AccountValidation.ThrowIfInvalidNickname(nickname);
            return nickname.Trim();
        }

        var user = await GrainFactory.GetGrain<IUserGrain>(userId).GetAsync(cancellationToken);
        return RoomRules.NicknameFromAccount(user.Nickname ?? user.Username);
    }

    /// <summary>
    /// Brings the open round up to its research rows: the revisions acknowledged since the state was last written, and a
    /// consensus recorded before its save failed. True when that consensus closed the round (its deadline changed).
    /// </summary>
    private async Task<bool> ReadBackOpenRoundAsync(CancellationToken cancellationToken)
    {
        var round = State.Rounds[State.CurrentRound - 1];
        foreach (var recorded in await research.ReadChoicesAsync(Code, round.RoundNumber, cancellationToken))
        {
            var known = round.Choices.Find(c => c.UserId == recorded.UserId)?.Revision ?? 0;
            if (recorded.Revision <= known || Find(recorded.UserId) is null)
            {
                continue;
            }

            // Each acknowledged revision moved the version by one; clients order updates by it.
            State.Version += recorded.Revision - known;
            var submission = new ChoiceSubmission(recorded.RoundNumber, recorded.Choice, recorded.Confidence, recorded.SubmissionId);
            ApplyChoice(round, recorded.UserId, submission, recorded.Revision, recorded.At);
        }

        if (round.Consensus is null && await research.ReadConsensusAsync(Code, round.RoundNumber, cancellationToken) is { } decided)
        {
            await CloseOnRecordedConsensusAsync(round, decided, cancellationToken);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The round's clock as its rows say: the consensus clock a last choice opened before its save failed opens now (its
    /// retry is answered from the rows and opens nothing), and the reminder a failed registration left out is set again.
    /// After a recorded consensus closed the round (<paramref name="roundClosed"/>) the reminder follows the next round's
    /// deadline, or goes with the game's end; each registration is a write to the reminder table, so it is made here once.
    /// </summary>
    private async Task RestoreRoundClockAsync(bool roundClosed, CancellationToken cancellationToken)
    {
        if (State.Phase == RoomPhase.Started && OpenConsensusClockIfDue(Now))
        {
            await SaveAsync(writeScenario: false, cancellationToken);
        }

        if (roundClosed || (State.Phase == RoomPhase.Started && State.DeadlineAt is not null))
        {
            await KeepDeadlineReminderAsync();
        }
    }

    /// <summary>
    /// A consensus whose row was written before a later write of its call failed: the decision stands as recorded, so the
    /// room and the research rows never hold two different ones. Its absences were recorded before it and are only marked;
    /// its submitter's retry is answered from it, and anyone else's consensus is consensus_exists. The deadline reminder
    /// is left to <see cref="RestoreRoundClockAsync"/>, which runs next at every activation.
    /// </summary>
    private async Task CloseOnRecordedConsensusAsync(RoundState round, ConsensusRecord decided, CancellationToken cancellationToken)
    {
        round.Absent.AddRange(Absentees(round).Select(p => p.UserId));
        round.Consensus = new ConsensusState { Choice = decided.Choice, Confidence = decided.Confidence, SubmittedBy = decided.SubmittedBy, RecordedAt = decided.At };
        await CloseRoundAsync(round.RoundNumber, Now, cancellationToken);
        var submission = new ChoiceSubmission(round.RoundNumber, decided.Choice, decided.Confidence, decided.SubmissionId);
        Remember(SubmissionOperation.Consensus, decided.SubmittedBy, Receipt(decided.SubmittedBy, submission, 1, decided.At));
        await SaveAsync(writeScenario: false, cancellationToken);
    }

    private SubmissionReceipt ApplyChoice(RoundState round, long userId, ChoiceSubmission submission, int revision, DateTime at)
    {
        var choice = round.Choices.Find(c => c.UserId == userId);
        if (choice is null)
        {
            choice = new ChoiceState { UserId = userId };
            round.Choices.Add(choice);
        }

        choice.Choice = submission.Choice;
        choice.Confidence = submission.Confidence;
        choice.Revision = revision;
        choice.SubmittedAt = at;
        var receipt = Receipt(userId, submission, revision, at);
        Remember(SubmissionOperation.Choice, userId, receipt);
        return receipt;
    }

    /// <summary>
    /// The first answer to a retry: the same id, by the same user, for the same operation and the very same submission. A
    /// submission id answers only for the operation it was first used on: a choice's id reused on the consensus endpoint
    /// is a new consensus, not a replay of the choice. Another round, choice or confidence under a used id is refused
    /// (422 <c>idempotency_key_reused</c>), as a changed request under an Idempotency-Key is: answered with the old receipt,
    /// the client was told 201 for a submission nobody recorded, and a game could stall on a consensus it believed sent.
    /// </summary>
    private SubmissionReceipt? Replay(SubmissionOperation operation, long userId, ChoiceSubmission submission)
    {
        if (submission.SubmissionId is not { } submissionId
            || State.Submissions.Find(s => s.Key == SubmissionKey(operation, userId, submissionId))?.Receipt is not { } receipt)
        {
            return null;
        }

        // A body out of range is told which field is wrong, rather than that its id was used: no stored receipt is out of range.
        ValidateRanges(submission);
        if (receipt.RoundNumber != submission.RoundNumber || receipt.Choice != submission.Choice || receipt.Confidence != submission.Confidence)
        {
            throw Idempotency.SubmissionReused();
        }

        return receipt with { Replayed = true };
    }

    private void Remember(SubmissionOperation operation, long userId, SubmissionReceipt receipt)
    {
        if (receipt.SubmissionId is null)
        {
            return;
        }

        State.Submissions.Add(new SubmissionState { Key = SubmissionKey(operation, userId, receipt.SubmissionId), Receipt = receipt });
        if (State.Submissions.Count > SubmissionsKept)
        {
            State.Submissions.RemoveRange(0, State.Submissions.Count - SubmissionsKept);
        }
    }

    private static string SubmissionKey(SubmissionOperation operation, long userId, string submissionId) =>
        $"{(operation == SubmissionOperation.Consensus ? ConsensusKeyPrefix : ChoiceKeyPrefix)}{userId}:{submissionId}";

    /// <summary>
    /// Receipts stored before keys named their operation ("{user}:{id}") get the prefix of the
    /// operation they answered: a consensus if a round's consensus is theirs at that instant, else a choice.
    /// </summary>
    private void ScopeLegacySubmissionKeys()
    {
        foreach (var stored in State.Submissions)
        {
            if (stored.Receipt is not { SubmissionId: { } id } receipt
                || stored.Key.StartsWith(ChoiceKeyPrefix, StringComparison.Ordinal)
                || stored.Key.StartsWith(ConsensusKeyPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var consensus = State.Rounds.ElementAtOrDefault(receipt.RoundNumber - 1)?.Consensus;
            var wasConsensus = consensus is not null && consensus.SubmittedBy == receipt.UserId && Utc(consensus.RecordedAt) == receipt.RecordedAt;
            stored.Key = SubmissionKey(wasConsensus ? SubmissionOperation.Consensus : SubmissionOperation.Choice, receipt.UserId, id);
        }
    }

    private SubmissionReceipt Receipt(long userId, ChoiceSubmission submission, int revision, DateTime at) => new(
        Code,
        userId,
        submission.RoundNumber,
        submission.Choice,
        submission.Confidence,
        revision,
        new DateTimeOffset(at, TimeSpan.Zero),
        State.Phase,
        State.CurrentRound,
        submission.SubmissionId,
        Replayed: false);

    private RoomProgress Progress(long host) =>
        Progress(host, State.Phase, State.CurrentRound, State.StartedAt, State.FinishedAt);

    private RoomProgress Progress(long host, RoomPhase phase, int round, DateTime? startedAt, DateTime? finishedAt) => new(
        Code,
        phase switch
        {
            RoomPhase.Started => RoomStatus.Started,
            RoomPhase.Finished => RoomStatus.Finished,
            _ => RoomStatus.Waiting,
        },
        round,
        host,
        startedAt,
        finishedAt);

    private async Task SaveAsync(bool writeScenario, CancellationToken cancellationToken)
    {
        var deadlineMoved = FollowPause(Now);
        State.Version++;
        KeepPendingAnswer();

        // A failed write leaves memory ahead of storage: the room's call filter (RoomGrain.Consistency) deactivates it.
        if (writeScenario)
        {
            await scenario.WriteStateAsync(cancellationToken);
        }

        await room.WriteStateAsync(cancellationToken);
        if (deadlineMoved)
        {
            await KeepDeadlineReminderAsync();
        }

        NotePresence();
        PushRoomUpdate();
    }

    private RoomSnapshot Snapshot() => new(
        State.Code,
        State.Title,
        State.Topic,
        State.IsPublic,
        State.Phase,
        State.HostUserId,
        State.CurrentRound,
        State.Participants.Select(p => new ParticipantView(p.UserId, p.Nickname, p.RoleId, p.UserId == State.HostUserId, Utc(p.JoinedAt), PresenceOf(p), p.IsBot)).ToList(),
        State.Phase == RoomPhase.Started ? ChosenIn(State.Rounds[State.CurrentRound - 1]) : [],
        State.Rounds.Where(r => r.Consensus is not null)
            .Select(r => new ConsensusView(r.RoundNumber, r.Consensus!.Choice, r.Consensus.Confidence, r.Consensus.SubmittedBy, Utc(r.Consensus.RecordedAt)))
            .ToList(),
        State.ScenarioId,
        Utc(State.CreatedAt),
        State.StartedAt is { } started ? Utc(started) : null,
        State.FinishedAt is { } finished ? Utc(finished) : null,
        State.Version,
        State.OnDropout,
        IsPaused,
        State.EndedEarlyAt is { } ended ? Utc(ended) : null,
        State.EndedEarlyBy,
        State.ChoiceSeconds,
        State.ConsensusSeconds,
        State.DeadlineKind,
        State.DeadlineAt is { } deadline ? Utc(deadline) : null,
        State.Rounds.SelectMany(r => r.Choices.Where(c => c.Bot is not null)
                .Select(c => new BotChoiceView(r.RoundNumber, c.UserId, c.Choice, c.Confidence, c.Bot!.Reason, c.Bot.Provider, c.Bot.FallbackReason)))
            .ToList(),
        FacilitatorPaused: State.FacilitatorPausedAt is not null,
        PausedAt: PauseBegan is { } began ? Utc(began) : null,
        SessionCode: State.SessionCode,
        ChoicesClosed: State.Phase == RoomPhase.Started && State.Rounds[State.CurrentRound - 1].ChoicesClosed);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
