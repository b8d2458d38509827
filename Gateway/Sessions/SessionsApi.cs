using System.ComponentModel;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Dilemma.Gateway.Sessions;

/// <summary>Classroom and study sessions: each endpoint is one session grain call, translated.</summary>
public static class SessionsApi
{
    private const int CodeAttempts = 5;

    private const string Access =
        "Facilitators of this session (the account that created it, holding the facilitator role) and admins only: anyone else, " +
        "a facilitator of another session included, gets 403 not_facilitator; an unknown code is 404 session_not_found; " +
        "a code that is not 10 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ is 400 invalid_session_code.";

    private const string CreateDescription =
        "Facilitators and admins only (403 not_facilitator). Body: title (1-100), topic or scenario_id (one is required: 400 missing_field; " +
        "422 unknown_topic, unknown_scenario, topic_mismatch), language (ko or en, default ko), choice_seconds and consensus_seconds (1-3600, " +
        "none by default), on_dropout (continue, wait or bot; default continue), voice (required or optional, default optional), bots_allowed " +
        "(default false), study_label (1-64 characters, optional; held to the rule of names, else 422 invalid_study_label), consent_version (a published consent text version, default the current one; else 422 " +
        "unknown_consent_version), remainder_rule (wait, bots or pair; default wait; bots needs bots_allowed, else 422 remainder_needs_bots). " +
        "Answers the session with its join code (10 characters from an alphabet without look-alikes, drawn by a cryptographic generator), " +
        "join_link (this gateway's address with ?session=CODE) and qr_svg_path.";

    private const string StartDescription =
        "Groups the pool into rooms of three at random (balance_by_attribute true: ordered by each enrolment's attribute and dealt round-robin, " +
        "so rooms mix attribute values), opens each room (private, on the session's scenario and timers, rooms carry the session code), deals " +
        "roles 1-3 at random and opens round 1 in all of them. One or two left over follow remainder_rule, reported in `remainder` " +
        "(rule, user_ids: those left over, outcome, room_codes: the rooms the rule shaped): wait → outcome waiting, a waiting room that late arrivals fill and that starts at three; " +
        "bots → outcome bots, bots take the free seats and the room starts; pair → outcome pairs, a room of two (one left over: the last room " +
        "of three gives one, two rooms of two; a lone participant with nobody to pair waits). 409 session_started the second time, 409 pool_empty with nobody enrolled. ";

    private const string FacilitatorKeyDescription =
        "Optional. 1-128 printable ASCII characters, chosen by the client per request (a UUID, say). The same request sent again " +
        "with the same key by the same facilitator is the same action: audited once in facilitator_actions, and an extension " +
        "moves the deadline once (the room keeps the key with its last 32 answers; the same key with other seconds is 422 " +
        "idempotency_key_reused). The answer is the session as it is then. Send it again after a 5xx or a lost answer. " +
        "Malformed: 400 invalid_idempotency_key.";

    public static void MapSessionsApi(this IEndpointRouteBuilder endpoints)
    {
        var sessions = endpoints.MapGroup("/sessions").WithTags("Sessions").RequireAuthorization().ChecksRouteCodes();
        sessions.MapPost("/", CreateAsync).Validates<CreateSessionRequest>()
            .WithSummary("Open a classroom or study session; the caller facilitates it")
            .WithDescription(CreateDescription)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        sessions.MapGet("/{session_code}", GetAsync)
            .WithSummary("The session: settings, pool, rooms and how the remainder was handled")
            .WithDescription(Access)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapGet("/{session_code}/qr.svg", QrAsync)
            .WithSummary("The join link as a QR code (SVG), to project for the class")
            .WithDescription(Access)
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        sessions.MapPost("/{session_code}/enrol", EnrolAsync).Validates<EnrolRequest>(_ => new EnrolRequest())
            .WithSummary("Enrol in a session with its code (guests and accounts)")
            .WithDescription(
                "Body (all optional): nickname, consent_version, voice_consent, attribute (1-32, what balance_by_attribute groups by). " +
                "The session's consent_version must have been granted (data use; voice recording too when the session's voice is required): " +
                "granted before, or now by sending it (recorded as a consent change); otherwise 403 consent_required naming the version (field consent_version, or voice_consent when data use was consented under it and only voice recording is missing). " +
                "Before the start the participant waits in the pool (status open, room_code null); after it they are seated in the session's " +
                "waiting room, which starts when it has three. Enrolling again answers the same seat, its body checked and applied as a first " +
                "enrolment's: 422 unknown_consent_version for an unpublished consent_version (422 invalid_nickname likewise), consents given " +
                "under the session's version are recorded (voice_consent true too where voice is optional), another published version is " +
                "403 consent_required; a new nickname or attribute replaces the old one while in the pool, and once seated a different one is " +
                "409 already_seated (field nickname or attribute). 409 session_closed after the close; " +
                "409 session_full once Game:MaxSessionParticipants (600 by default) have enrolled.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapDelete("/{session_code}/enrol", LeavePoolAsync)
            .WithSummary("Leave the pool before the start (a student who will not take part after all)")
            .WithDescription(
                "204: the caller is no longer enrolled, so the start does not seat them in a room they will never come to; 204 too " +
                "when they were not enrolled. 409 already_seated once the session has seated them: a seat is left from its room. " +
                "A student may enrol again while the session is open.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        sessions.MapPost("/{session_code}/start", StartAsync).Validates<StartSessionRequest>(_ => new StartSessionRequest())
            .WithSummary("Group the pool into rooms of three and start them together")
            .WithDescription(StartDescription + Access)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapFacilitatorActions(sessions);
    }

    private static void MapFacilitatorActions(RouteGroupBuilder sessions)
    {
        const string Audit = " Audited in facilitator_actions (actor, action, room, reason, time) once it took effect; GET /sessions/{session_code}/actions lists them. Body (optional): reason (at most 500 characters, no control or direction characters and not only invisible ones, else 422 invalid_reason; a blank one is none). ";
        const string OfRoom = "A room_code not of this session is 404 room_not_found; 409 room_not_started or room_finished when its game is not under way. ";
        const string Reached =
            "A room already paused (or, to resume, running) changes nothing and answers 200, with an Idempotency-Key or without, and is no new audit row: the "
            + "pause or resume that made it so has its row (written now if its audit had failed), or the session's pause or resume has. ";
        const string ReachedEverywhere =
            " When it changes no room, it is no new audit row: the session's pause or resume that left every playing room so has its row (written now if "
            + "its audit had failed); rooms left so by their own pause or resume have theirs. ";
        sessions.MapPost("/{session_code}/rooms/{room_code}/pause", PauseRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("Pause one room of the session")
            .WithDescription("The room refuses choices and consensus with 409 room_paused (paused true) and its deadline stands still. " + OfRoom + Reached + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/resume", ResumeRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("Resume a paused room of the session")
            .WithDescription("The running deadline moves on by the time the room was paused. " + OfRoom + Reached + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/extend", ExtendDeadlineAsync)
            .Validates<ExtendDeadlineRequest>().AcceptsIdempotencyKey()
            .WithSummary("Extend the running deadline of one room")
            .WithDescription("Body: seconds (1-3600; else 422 invalid_seconds), reason (optional). 409 no_deadline when no deadline runs. The room's voice sockets get room_updated with the new deadline_at and {type: deadline_extended, user_id (the facilitator), at}, once under an Idempotency-Key. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/end", EndRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("End one room's game now")
            .WithDescription("Finished with ended_early_at and ended_early_by (the facilitator); room_events ended_early with the facilitator as actor. "
                + "Sent again by the facilitator who ended it (after a 5xx or a lost answer), it answers 200 as the first time and is audited once, at the room's ended_early_at; "
                + "a room finished otherwise (played out, ended by its host or someone else) is 409 room_finished. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/remove", RemoveParticipantAsync)
            .Validates<ParticipantActionRequest>().AcceptsIdempotencyKey()
            .WithSummary("Take a gone participant's seat out of a room's game")
            .WithDescription("Body: user_id, reason (optional). As the host's removal: only a participant with no socket open (409 participant_present otherwise); the seat stays in the data, later rounds absent; room_events participant_removed with the facilitator as actor. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/bot", FillWithBotAsync)
            .Validates<ParticipantActionRequest>().AcceptsIdempotencyKey()
            .WithSummary("Seat a bot in the role of a participant no longer in the game")
            .WithDescription("Body: user_id (a dropped or removed participant of the room), reason (optional). Whatever the room's on_dropout: the bot takes their role (room_events bot_joined) and chooses from the open round on. 409 participant_present while they still take part, 409 seat_filled when a bot has the role already. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/pause", PauseSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("Pause every room of the session still playing")
            .WithDescription("409 session_not_started before the start. One audit row for the whole session." + ReachedEverywhere + Audit + Access);
        sessions.MapPost("/{session_code}/resume", ResumeSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("Resume every paused room of the session")
            .WithDescription("409 session_not_started before the start." + ReachedEverywhere + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/move", MoveParticipantAsync)
            .Validates<MoveParticipantRequest>().AcceptsIdempotencyKey()
            .WithSummary("Move a participant to another room of the session")
            .WithDescription(
                "Body: user_id (a person seated in room_code, not a bot, not removed or moved: else 409 not_movable; 404 participant_not_found when not seated there), "
                + "to_room_code (another room of this session: 404 room_not_found naming to_room_code otherwise, 409 same_room (field to_room_code) for the same room), reason (optional). "
                + "The target must have a free seat, else 409 no_free_seat and nothing changes: a waiting room with fewer than three (the third seated starts it, roles dealt at random), "
                + "or a started game with the seat of someone no longer in it (dropped or removed) whose role nobody plays (no bot took it): the mover takes that role from the open round on "
                + "(a dropped seat given away is removed then; room_events participant_moved_in). The source seat then leaves: before the start as a leaver; in a started game it is out "
                + "of the game as a removed seat is (presence removed, later rounds absent, a host hands over, room_events participant_moved_out), and under on_dropout bot a bot takes its role; "
                + "under wait the room does not wait for someone moved. The mover's sockets for the source room close with 4003; enrolling again answers the new room_code. "
                + "409 room_finished when either game is over. A move that failed half-way (5xx after the target seated the mover) is finished by the same request sent again. "
                + "A move already made (the participant sits in to_room_code, moved there from room_code by this session) answers 200 as it did, moves nothing and "
                + "adds no audit row, with or without an Idempotency-Key (its row is written then if its audit had failed). "
                + "Audited with to_room_code." + Audit + Access);
        sessions.MapPost("/{session_code}/broadcast", BroadcastAsync)
            .Validates<BroadcastRequest>().AcceptsIdempotencyKey()
            .WithSummary("Send a short message to every room of the session")
            .WithDescription(
                "Body: message (1-280 characters after trimming, no control or direction characters; else 422 invalid_message naming message; 400 missing_field without it), reason (optional). "
                + "Every voice socket of every room of the session (WS /ws/voice/{room_code}) receives {\"type\":\"facilitator_message\",\"message\":…,\"at\":…} "
                + "(at: the server's time, the same in every room), and every monitor of the session (WS /ws/sessions/{session_code}/monitor) the same once; nothing is stored in the rooms. 409 session_not_started before the start. Audited with the message. "
                + "Sent again without an Idempotency-Key it goes out again and is another audit row (a retry cannot be told from a second message); "
                + "with the same key it is not shown again and is audited once." + Audit + Access);
        sessions.MapGet("/{session_code}/results", ResultsAsync)
            .WithSummary("The session's statistics across its rooms")
            .WithDescription(
                "From the rooms' own state. rooms_total (every room the session opened), rooms_started, rooms_finished; per round (1-5): "
                + "choices and consensus (how many individual choices and how many consensus choices fell on each option, by option index, counted only in rooms where the round closed), "
                + "rooms_closed (rooms where the round closed: by consensus, or by the consensus deadline without one), rooms_with_consensus, consensus_rate (rooms_with_consensus / rooms_closed, "
                + "4 decimals; null when no room closed the round), no_consensus, timed_out (seats that took part but had no choice by the choice deadline, room_events timed_out), "
                + "absent (seats out of the game with no choice when the round closed, room_events absent), bot_choices, "
                + "movement (in rooms that reached a consensus, movement[i][j] individual choices of option i went into a consensus on option j), "
                + "mean_confidence (individual choices) and consensus_confidence (consensus choices), means over the rooms where the round closed (4 decimals; null with none); and for the session dropped_seats "
                + "(dropped, not removed), removed_seats (removed or moved), bot_seats. A room that closed before it started counts in rooms_total only." + Access)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapPost("/{session_code}/close", CloseSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest()).AcceptsIdempotencyKey()
            .WithSummary("Close the session: no more enrolments")
            .WithDescription("Enrolment is 409 session_closed from then on (a participant already enrolled still gets their seat); rooms under way play on." + Audit + Access);
        sessions.MapGet("/{session_code}/actions", ActionsAsync)
            .WithSummary("The session's audited facilitator actions, oldest first")
            .WithDescription("Each: actor_id, action (pause_room, resume_room, extend_deadline, remove_participant, fill_with_bot, end_room, pause_session, resume_session, broadcast, move_participant, close_session), room_code, user_id, reason, occurred_at, message (a broadcast's), to_room_code (a move's target). " + Access);
    }

    public static Task<Ok<SessionResponse>> PauseRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.PauseRoom, roomCode, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ResumeRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ResumeRoom, roomCode, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> EndRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.EndRoom, roomCode, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> RemoveParticipantAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ParticipantActionRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.RemoveParticipant, roomCode, Reason: request.Reason, UserId: request.UserId), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> FillWithBotAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ParticipantActionRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.FillWithBot, roomCode, Reason: request.Reason, UserId: request.UserId), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ExtendDeadlineAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ExtendDeadlineRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ExtendDeadline, roomCode, request.Seconds, request.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> PauseSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.PauseSession, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ResumeSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ResumeSession, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    public static async Task<Results<Ok<SessionResponse>, ProblemHttpResult>> MoveParticipantAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, MoveParticipantRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!RoomRules.IsRoomCode(request.ToRoomCode))
        {
            return Problems.Of(RoomRules.InvalidRoomCode("to_room_code"));
        }

        return await ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.MoveParticipant, roomCode, Reason: request.Reason, UserId: request.UserId, ToRoomCode: request.ToRoomCode), idempotencyKey, user, context, grains, cancellationToken);
    }

    public static Task<Ok<SessionResponse>> BroadcastAsync([FromRoute(Name = "session_code")] string sessionCode, BroadcastRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.Broadcast, Reason: request.Reason, Message: request.Message), idempotencyKey, user, context, grains, cancellationToken);

    public static async Task<Ok<SessionResults>> ResultsAsync([FromRoute(Name = "session_code")] string sessionCode, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Session(grains, sessionCode).GetResultsAsync(Caller(user), cancellationToken));

    public static Task<Ok<SessionResponse>> CloseSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(FacilitatorKeyDescription)] string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.CloseSession, Reason: request!.Reason), idempotencyKey, user, context, grains, cancellationToken);

    private static async Task<Ok<SessionResponse>> ActAsync(string sessionCode, FacilitatorAction action, string? idempotencyKey, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Session(grains, sessionCode).ActAsync(Caller(user), action with { IdempotencyKey = idempotencyKey }, cancellationToken);
        return TypedResults.Ok(view.ToResponse(JoinLinks.For(context.Request, view.Code)));
    }

    public static async Task<Ok<List<FacilitatorActionResponse>>> ActionsAsync([FromRoute(Name = "session_code")] string sessionCode, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Session(grains, sessionCode).GetActionsAsync(Caller(user), cancellationToken)).Select(a => a.ToResponse()).ToList());

    public static async Task<Created<SessionResponse>> CreateAsync(CreateSessionRequest request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var settings = new SessionSettings(
            request.Title!, request.Topic, request.ScenarioId, request.Language, request.ChoiceSeconds, request.ConsensusSeconds,
            request.OnDropout, request.Voice, request.BotsAllowed ?? false, request.StudyLabel, request.ConsentVersion, request.RemainderRule);
        for (var attempt = 1; ; attempt++)
        {
            var code = SessionRules.NewCode();
            try
            {
                var view = await grains.GetGrain<ISessionGrain>(code).CreateAsync(Caller(user), settings, cancellationToken);
                return TypedResults.Created($"/sessions/{view.Code}", view.ToResponse(JoinLinks.For(context.Request, view.Code)));
            }
            catch (RuleViolationException e) when (e.Code == "session_exists" && attempt < CodeAttempts)
            {
                // About 2^49 codes: a clash is all but impossible, and the next draw is another code.
            }
        }
    }

    public static async Task<Ok<SessionResponse>> GetAsync([FromRoute(Name = "session_code")] string sessionCode, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Session(grains, sessionCode).GetAsync(Caller(user), cancellationToken);
        return TypedResults.Ok(view.ToResponse(JoinLinks.For(context.Request, view.Code)));
    }

    public static async Task<IResult> QrAsync([FromRoute(Name = "session_code")] string sessionCode, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Session(grains, sessionCode).GetAsync(Caller(user), cancellationToken);
        return TypedResults.Text(JoinLinks.QrSvg(JoinLinks.For(context.Request, view.Code)), "image/svg+xml");
    }

    public static async Task<Ok<SeatResponse>> EnrolAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] EnrolRequest? request, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var enrolment = new SessionEnrolment(request!.Nickname, request.ConsentVersion, request.VoiceConsent ?? false, request.Attribute);
        var seat = await Session(grains, sessionCode).EnrolAsync(AccessTokens.UserIdOf(user), enrolment, cancellationToken);
        return TypedResults.Ok(seat.ToResponse());
    }

    public static async Task<NoContent> LeavePoolAsync([FromRoute(Name = "session_code")] string sessionCode, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        await Session(grains, sessionCode).LeavePoolAsync(AccessTokens.UserIdOf(user), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SessionResponse>> StartAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] StartSessionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Session(grains, sessionCode).StartAsync(Caller(user), request!.BalanceByAttribute ?? false, cancellationToken);
        return TypedResults.Ok(view.ToResponse(JoinLinks.For(context.Request, view.Code)));
    }

    internal static SessionCaller Caller(ClaimsPrincipal user) =>
        new(AccessTokens.UserIdOf(user), user.FindAll("role").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>The session grain for a code <see cref="RouteCodes"/> has checked.</summary>
    private static ISessionGrain Session(IGrainFactory grains, string code) =>
        grains.GetGrain<ISessionGrain>(SessionRules.Normalize(code));
}
