%% Supervisor restart latency, Erlang/OTP side: the counterpart of
%% bench/src/otp/restart.ts and bench/src/otp/actors.ts (same processes,
%% same loop), run side by side with it by bench/src/otp/run.ts.
%%
%% Usage (the runner compiles this file into a temporary directory first):
%%   erl -noshell +S 1 -pa DIR -run restart_bench main Crashes Warmup Intensity PeriodSeconds [bounce|yield]
%%
%% - The child: a gen_server registered as `restart_bench_child`
%%   (gen_server:start_link({local, Name}, ...)); answers the call `ping`
%%   with `pong`, crashes (erlang:error) on the cast `crash`.
%% - The supervisor: one_for_one, intensity `Intensity` in `PeriodSeconds`,
%%   the child as its only permanent worker.
%% - The driver (a process, not the shell): `Warmup` crashes spread over
%%   five supervisors started and stopped one after another (as the Strand
%%   side does, to warm its JIT; harmless here), then a fresh supervisor and
%%   `Crashes` crashes back to back. Each one: T0, cast `crash` to the child,
%%   then poll: whereis(Name) until it returns a new pid, then call it with
%%   `ping` until it answers: T1 - T0 is the latency. Between two polls the
%%   driver lets the other processes run: `bounce` (default, as the Strand
%%   side) sends its pid to a yielder process and waits for `tock`; `yield`
%%   calls erlang:yield().
%%
%% The logger is off (`logger:set_primary_config(level, none)`), so crash and
%% supervisor reports are dropped where they are made instead of formatted.
%%
%% Prints `LATENCIES us,us,...` (in crash order), `POLLS n,n,...` and
%% `INFO key value` lines, then halts.
-module(restart_bench).
-export([main/1, driver/6, yielder/0]).
%% supervisor and gen_server callbacks (one module plays both; init/1 tells them apart).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(NAME, restart_bench_child).
-define(WARMUP_ROUNDS, 5).

main([Crashes, Warmup, Intensity, Period | Rest]) ->
    try
        logger:set_primary_config(level, none),
        Mode = case Rest of [] -> bounce; [M] -> list_to_atom(M) end,
        io:format("INFO otp ~s~n", [erlang:system_info(otp_release)]),
        io:format("INFO erts ~s~n", [erlang:system_info(version)]),
        io:format("INFO schedulers ~p~n", [erlang:system_info(schedulers_online)]),
        Self = self(),
        Args = [Self, list_to_integer(Crashes), list_to_integer(Warmup),
                list_to_integer(Intensity), list_to_integer(Period), Mode],
        Driver = spawn(?MODULE, driver, Args),
        MRef = monitor(process, Driver),
        receive
            {Driver, Latencies, Polls} ->
                io:format("LATENCIES ~s~n", [join([float_to_list(L, [{decimals, 3}]) || L <- Latencies])]),
                io:format("POLLS ~s~n", [join([integer_to_list(P) || P <- Polls])]),
                halt(0);
            {'DOWN', MRef, process, Driver, Reason} ->
                io:format(standard_error, "restart_bench: driver ended: ~p~n", [Reason]),
                halt(1)
        end
    catch
        Class:Why:Stack ->
            io:format(standard_error, "restart_bench: ~p:~p~n~p~n", [Class, Why, Stack]),
            halt(1)
    end.

join(Strings) -> lists:join(",", Strings).

%% ─── driver ─────────────────────────────────────────────────────────────────

driver(Parent, Crashes, Warmup, Intensity, Period, Mode) ->
    Yielder = spawn_link(?MODULE, yielder, []),
    Pass = case Mode of
               bounce -> fun() -> Yielder ! self(), receive tock -> ok end end;
               yield -> fun erlang:yield/0
           end,
    warmup(?WARMUP_ROUNDS, Warmup div ?WARMUP_ROUNDS, Intensity, Period, Pass),
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, Intensity, Period}),
    Results = [once(Pass) || _ <- lists:seq(1, Crashes)],
    stop(Sup),
    Parent ! {self(), [L || {L, _} <- Results], [P || {_, P} <- Results]}.

warmup(0, _N, _Intensity, _Period, _Pass) -> ok;
warmup(_Rounds, 0, _Intensity, _Period, _Pass) -> ok;
warmup(Rounds, N, Intensity, Period, Pass) ->
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, Intensity, Period}),
    [once(Pass) || _ <- lists:seq(1, N)],
    stop(Sup),
    warmup(Rounds - 1, N, Intensity, Period, Pass).

stop(Sup) ->
    MRef = monitor(process, Sup),
    unlink(Sup),
    exit(Sup, shutdown),
    receive {'DOWN', MRef, process, Sup, _} -> ok end.

%% One crash and restart: {latency in µs, polls}.
once(Pass) ->
    Old = whereis(?NAME),
    is_pid(Old) orelse error(no_child_before_crash),
    T0 = erlang:monotonic_time(nanosecond),
    gen_server:cast(Old, crash),
    poll(Old, T0, 0, Pass).

poll(Old, T0, Polls, Pass) ->
    case whereis(?NAME) of
        Pid when is_pid(Pid), Pid =/= Old ->
            try gen_server:call(Pid, ping) of
                pong -> {(erlang:monotonic_time(nanosecond) - T0) / 1000, Polls}
            catch
                exit:_ -> Pass(), poll(Old, T0, Polls + 1, Pass)
            end;
        _ ->
            Pass(),
            poll(Old, T0, Polls + 1, Pass)
    end.

yielder() ->
    receive From -> From ! tock end,
    yielder().

%% ─── supervisor and gen_server callbacks ────────────────────────────────────

init({sup, Intensity, Period}) ->
    Flags = #{strategy => one_for_one, intensity => Intensity, period => Period},
    Child = #{id => child,
              start => {gen_server, start_link, [{local, ?NAME}, ?MODULE, child, []]},
              restart => permanent, shutdown => 5000, type => worker},
    {ok, {Flags, [Child]}};
init(child) ->
    {ok, nostate}.

handle_call(ping, _From, State) -> {reply, pong, State}.

handle_cast(crash, _State) -> erlang:error(crash).

handle_info(_Info, State) -> {noreply, State}.
