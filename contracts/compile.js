// Recompiles the test contracts (TestToken.sol, Forwarder.sol) into <Name>.json (ABI +
// bytecode), so tests need no compiler.
// Usage, from outside the repo:
//   npm install --prefix /tmp/solc solc@0.8.37
//   NODE_PATH=/tmp/solc/node_modules node contracts/compile.js
const fs = require("fs");
const path = require("path");
const solc = require("solc");

for (const name of ["TestToken", "Forwarder"]) {
  const file = `${name}.sol`;
  const input = {
    language: "Solidity",
    sources: { [file]: { content: fs.readFileSync(path.join(__dirname, file), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "paris",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) {
    console.error(errors.map((e) => e.formattedMessage).join("\n"));
    process.exit(1);
  }
  const contract = output.contracts[file][name];
  const artifact = {
    contractName: name,
    compiler: solc.version(),
    settings: { optimizer: input.settings.optimizer, evmVersion: input.settings.evmVersion },
    abi: contract.abi,
    bytecode: "0x" + contract.evm.bytecode.object,
  };
  fs.writeFileSync(path.join(__dirname, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
  console.log(`${name}.json: ${contract.evm.bytecode.object.length / 2} bytes of bytecode`);
}
