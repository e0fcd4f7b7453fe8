// For the torchrun test: prints the environment torchrun gave this process;
// with argv 'fail', rank 1 exits with code 7 and the others wait to be stopped.
const keys = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'GROUP_RANK'];
console.log(JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]))));
if (process.argv[2] === 'fail') {
  if (process.env.RANK === '1') process.exit(7);
  setTimeout(() => console.log(JSON.stringify({ survived: true })), 60_000);
}
