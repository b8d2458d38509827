using System.Security.Claims;
using Dilemma.Gateway.Accounts;
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
        "(default false), study_label (1-64, optional), consent_version (a published consent text version, default the current one; else 422 " +
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

    public static void MapSessionsApi(this IEndpointRouteBuilder endpoints)
    {
        var sessions = endpoints.MapGroup("/sessions").WithTags("Sessions").RequireAuthorization();
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
                "granted before, or now by sending it (recorded as a consent change); otherwise 403 consent_required naming the version. " +
                "Before the start the participant waits in the pool (status open, room_code null); after it they are seated in the session's " +
                "waiting room, which starts when it has three. Enrolling again answers the same seat. 409 session_closed after the close.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        sessions.MapPost("/{session_code}/start", StartAsync).Validates<StartSessionRequest>(_ => new StartSessionRequest())
            .WithSummary("Group the pool into rooms of three and start them together")
            .WithDescription(StartDescription + Access)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        MapFacilitatorActions(sessions);
    }

    private static void MapFacilitatorActions(RouteGroupBuilder sessions)
    {
        const string Audit = " Audited in facilitator_actions (actor, action, room, reason, time) once it took effect; GET /sessions/{session_code}/actions lists them. Body (optional): reason (at most 500 characters). ";
        const string OfRoom = "A room_code not of this session is 404 room_not_found; 409 room_not_started or room_finished when its game is not under way. ";
        sessions.MapPost("/{session_code}/rooms/{room_code}/pause", PauseRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("Pause one room of the session")
            .WithDescription("The room refuses choices and consensus with 409 room_paused (paused true) and its deadline stands still. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/resume", ResumeRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("Resume a paused room of the session")
            .WithDescription("The running deadline moves on by the time the room was paused. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/extend", ExtendDeadlineAsync)
            .Validates<ExtendDeadlineRequest>()
            .WithSummary("Extend the running deadline of one room")
            .WithDescription("Body: seconds (1-3600; else 422 invalid_seconds), reason (optional). 409 no_deadline when no deadline runs. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/end", EndRoomAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("End one room's game now")
            .WithDescription("Finished with ended_early_at and ended_early_by (the facilitator); room_events ended_early with the facilitator as actor. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/remove", RemoveParticipantAsync)
            .Validates<ParticipantActionRequest>()
            .WithSummary("Take a gone participant's seat out of a room's game")
            .WithDescription("Body: user_id, reason (optional). As the host's removal: only a participant with no socket open (409 participant_present otherwise); the seat stays in the data, later rounds absent; room_events participant_removed with the facilitator as actor. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/rooms/{room_code}/bot", FillWithBotAsync)
            .Validates<ParticipantActionRequest>()
            .WithSummary("Seat a bot in the role of a participant no longer in the game")
            .WithDescription("Body: user_id (a dropped or removed participant of the room), reason (optional). Whatever the room's on_dropout: the bot takes their role (room_events bot_joined) and chooses from the open round on. 409 participant_present while they still take part, 409 seat_filled when a bot has the role already. " + OfRoom + Audit + Access);
        sessions.MapPost("/{session_code}/pause", PauseSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("Pause every room of the session still playing")
            .WithDescription("409 session_not_started before the start. One audit row for the whole session." + Audit + Access);
        sessions.MapPost("/{session_code}/resume", ResumeSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("Resume every paused room of the session")
            .WithDescription("409 session_not_started before the start." + Audit + Access);
        sessions.MapPost("/{session_code}/close", CloseSessionAsync)
            .Validates<FacilitatorActionRequest>(_ => new FacilitatorActionRequest())
            .WithSummary("Close the session: no more enrolments")
            .WithDescription("Enrolment is 409 session_closed from then on (a participant already enrolled still gets their seat); rooms under way play on." + Audit + Access);
        sessions.MapGet("/{session_code}/actions", ActionsAsync)
            .WithSummary("The session's audited facilitator actions, oldest first")
            .WithDescription("Each: actor_id, action (pause_room, resume_room, extend_deadline, remove_participant, fill_with_bot, end_room, pause_session, resume_session, close_session), room_code, user_id, reason, occurred_at. " + Access);
    }

    public static Task<Ok<SessionResponse>> PauseRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.PauseRoom, roomCode, Reason: request!.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ResumeRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ResumeRoom, roomCode, Reason: request!.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> EndRoomAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.EndRoom, roomCode, Reason: request!.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> RemoveParticipantAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ParticipantActionRequest request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.RemoveParticipant, roomCode, Reason: request.Reason, UserId: request.UserId), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> FillWithBotAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ParticipantActionRequest request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.FillWithBot, roomCode, Reason: request.Reason, UserId: request.UserId), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ExtendDeadlineAsync([FromRoute(Name = "session_code")] string sessionCode, [FromRoute(Name = "room_code")] string roomCode, ExtendDeadlineRequest request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ExtendDeadline, roomCode, request.Seconds, request.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> PauseSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.PauseSession, Reason: request!.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> ResumeSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.ResumeSession, Reason: request!.Reason), user, context, grains, cancellationToken);

    public static Task<Ok<SessionResponse>> CloseSessionAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] FacilitatorActionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken) =>
        ActAsync(sessionCode, new FacilitatorAction(FacilitatorActionKind.CloseSession, Reason: request!.Reason), user, context, grains, cancellationToken);

    private static async Task<Ok<SessionResponse>> ActAsync(string sessionCode, FacilitatorAction action, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var target = Session(grains, sessionCode);
        if (action.RoomCode is { } roomCode)
        {
            RoomRules.EnsureRoomCode(roomCode);
        }

        var view = await target.ActAsync(Caller(user), action, cancellationToken);
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

    public static async Task<Ok<SessionResponse>> StartAsync([FromRoute(Name = "session_code")] string sessionCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] StartSessionRequest? request, ClaimsPrincipal user, HttpContext context, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Session(grains, sessionCode).StartAsync(Caller(user), request!.BalanceByAttribute ?? false, cancellationToken);
        return TypedResults.Ok(view.ToResponse(JoinLinks.For(context.Request, view.Code)));
    }

    internal static SessionCaller Caller(ClaimsPrincipal user) =>
        new(AccessTokens.UserIdOf(user), user.FindAll("role").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList());

    private static ISessionGrain Session(IGrainFactory grains, string code) =>
        grains.GetGrain<ISessionGrain>(SessionRules.EnsureSessionCode(code));
}
