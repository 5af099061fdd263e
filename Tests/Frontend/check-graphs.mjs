// Loads deployed workflow graphs the way ComfyUI's frontend opens a file from the
// workflow library: schema check of the 0.4 format, then LGraph.configure() with the
// frontend's own graph library (@comfyorg/litegraph), node classes registered from the
// server's /object_info. Then checks that every node, widget value and link arrived,
// and, where NAME.api.json lies beside NAME.json, that what the UI would queue is that
// API graph (PROMPT_OUT_DIR=folder also writes it there as NAME.prompt.json).
//
//   node check-graphs.mjs OBJECT_INFO.json GRAPH.json [GRAPH.json ...]
//
// Exit 0 when all load, 1 when one does not, 77 (a skip) when the packages are missing:
// `npm ci` in this folder installs them.

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { isDeepStrictEqual } from 'node:util'

let z, lg
try {
  ;({ z } = await import('zod'))
  lg = await import('@comfyorg/litegraph')
} catch (error) {
  console.log(`SKIP: the frontend's packages are not installed (run npm ci in Tests/Frontend): ${error.message}`)
  process.exit(77)
}

const [objectInfoFile, ...graphFiles] = process.argv.slice(2)
if (!objectInfoFile || graphFiles.length === 0) {
  console.error('usage: node check-graphs.mjs OBJECT_INFO.json GRAPH.json [GRAPH.json ...]')
  process.exit(2)
}

//==============================================================================
// The workflow schema 0.4 as the frontend validates a file it opens
// (ComfyUI_frontend src/schemas/comfyWorkflowSchema.ts: "Invalid workflow against zod
// schema" when it fails), restated for what a deployed graph holds.
const nodeId = z.union([z.number().int(), z.string()])
const slotIndex = z.number().int()
const dataType = z.union([z.string(), z.array(z.string()), z.number()])
const vector2 = z.tuple([z.number(), z.number()])

const workflowSchema = z
  .object({
    id: z.string().uuid().optional(),
    revision: z.number().optional(),
    last_node_id: nodeId,
    last_link_id: z.number(),
    nodes: z.array(
      z
        .object({
          id: nodeId,
          type: z.string(),
          pos: vector2,
          size: vector2,
          flags: z.object({}).passthrough(),
          order: z.number(),
          mode: z.number(),
          inputs: z
            .array(z.object({ name: z.string(), type: dataType, link: z.number().nullable().optional() }).passthrough())
            .optional(),
          outputs: z
            .array(
              z
                .object({
                  name: z.string(),
                  type: dataType,
                  links: z.array(z.number()).nullable().optional(),
                  slot_index: slotIndex.optional()
                })
                .passthrough()
            )
            .optional(),
          properties: z.object({ 'Node name for S&R': z.string().optional() }).passthrough(),
          widgets_values: z.union([z.array(z.any()), z.record(z.any())]).optional(),
          title: z.string().optional()
        })
        .passthrough()
    ),
    links: z.array(z.tuple([z.number(), nodeId, slotIndex, nodeId, slotIndex, dataType])),
    groups: z.array(z.object({ title: z.string(), bounding: z.array(z.number()).length(4) }).passthrough()).optional(),
    config: z.object({}).passthrough().nullable().optional(),
    extra: z.object({}).passthrough().nullable().optional(),
    version: z.number()
  })
  .passthrough()

//==============================================================================
// Node classes as the frontend registers them from /object_info: sockets for
// connection types, widgets for INT/FLOAT/STRING/BOOLEAN/COMBO (in input_order),
// the control_after_generate combo after a widget that asks for it, an upload
// button (which keeps a value) after an image_upload combo.
const widgetKinds = { INT: 'number', FLOAT: 'number', STRING: 'text', BOOLEAN: 'toggle', COMBO: 'combo' }
const controlValues = ['fixed', 'increment', 'decrement', 'randomize']

function inputsInOrder(def) {
  const result = []
  for (const section of ['required', 'optional']) {
    const specs = def.input?.[section] ?? {}
    const names = def.input_order?.[section] ?? Object.keys(specs)
    for (const name of names) if (specs[name]) result.push([name, specs[name]])
  }
  return result
}

function registerNodeClasses(objectInfo) {
  for (const [className, def] of Object.entries(objectInfo)) {
    const displayName = def.display_name ?? className
    class ServerNode extends lg.LGraphNode {
      constructor(title) {
        super(title ?? displayName)
        this.serialize_widgets = true // as the frontend's node classes: widget values are saved
        for (const [name, spec] of inputsInOrder(def)) {
          const [rawType, options = {}] = spec
          const type = Array.isArray(rawType) ? 'COMBO' : rawType
          if (!widgetKinds[type] || options.forceInput) {
            this.addInput(name, type)
            continue
          }
          const values = Array.isArray(rawType) ? rawType : options.options
          this.addWidget(widgetKinds[type], name, options.default ?? null, () => {}, { values })
          if (options.control_after_generate)
            this.addWidget('combo', 'control_after_generate', 'randomize', () => {}, { values: controlValues })
          if (options.image_upload) this.addWidget('button', 'upload', 'image', () => {}, {})
        }
        ;(def.output ?? []).forEach((type, i) =>
          this.addOutput(def.output_name?.[i] ?? type, Array.isArray(type) ? 'COMBO' : type)
        )
      }
    }
    ServerNode.title = displayName
    lg.LiteGraph.registerNodeType(className, ServerNode)
  }
}

//==============================================================================
function check(file, objectInfo) {
  const problems = []
  const data = JSON.parse(readFileSync(file, 'utf8'))

  const parsed = workflowSchema.safeParse(data)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`schema: ${issue.path.join('.')}: ${issue.message}`)
    return problems
  }

  const graph = new lg.LGraph()
  graph.configure(structuredClone(data))

  if (graph.nodes.length !== data.nodes.length) problems.push(`${graph.nodes.length} of ${data.nodes.length} nodes loaded`)

  for (const saved of data.nodes) {
    const node = graph.getNodeById(saved.id)
    const where = `node ${saved.id} (${saved.type})`
    if (!node || node.has_errors) {
      problems.push(`${where}: not loaded as a known node class`)
      continue
    }
    const def = objectInfo[saved.type]
    const expectedTitle = saved.title ?? def?.display_name ?? saved.type
    if (node.title !== expectedTitle) problems.push(`${where}: title "${node.title}", expected "${expectedTitle}"`)

    const widgets = (node.widgets ?? []).filter((w) => w.serialize !== false)
    const values = saved.widgets_values ?? []
    if (widgets.length !== values.length)
      problems.push(`${where}: ${values.length} widget values for ${widgets.length} widgets (${widgets.map((w) => w.name)})`)
    widgets.forEach((w, i) => {
      if (i < values.length && !isDeepStrictEqual(w.value, values[i]))
        problems.push(`${where}: widget ${w.name} = ${JSON.stringify(w.value)}, saved ${JSON.stringify(values[i])}`)
    })

    // Inputs: a socket of the class, or (with "widget") one of its widgets fed by a link.
    const sockets = new Map(inputsInOrder(def ?? {}).map(([name, spec]) => [name, Array.isArray(spec[0]) ? 'COMBO' : spec[0]]))
    for (const input of saved.inputs ?? []) {
      const isWidget = widgets.some((w) => w.name === input.name)
      if (input.widget ? !isWidget : isWidget || sockets.get(input.name) !== input.type)
        problems.push(`${where}: input ${input.name} (${input.type}) is not a ${input.widget ? 'widget' : 'socket'} of the class`)
    }
    ;(saved.outputs ?? []).forEach((output, i) => {
      const type = def?.output?.[i]
      if (def && output.type !== (Array.isArray(type) ? 'COMBO' : type)) problems.push(`${where}: output ${i} is ${output.type}, server says ${type}`)
    })
  }

  // Links: each one known to the graph and to both of its ends, with one type along it.
  if (graph._links.size !== data.links.length) problems.push(`${graph._links.size} of ${data.links.length} links loaded`)
  for (const [id, originId, originSlot, targetId, targetSlot, type] of data.links) {
    const link = graph._links.get(id)
    const origin = graph.getNodeById(originId)
    const target = graph.getNodeById(targetId)
    const output = origin?.outputs?.[originSlot]
    const input = target?.inputs?.[targetSlot]
    if (!link || link.origin_id !== originId || link.target_id !== targetId) problems.push(`link ${id}: not loaded as saved`)
    if (!output?.links?.includes(id)) problems.push(`link ${id}: not on output ${originSlot} of node ${originId}`)
    if (input?.link !== id) problems.push(`link ${id}: not on input ${targetSlot} of node ${targetId}`)
    if (output && output.type !== type) problems.push(`link ${id}: type ${type}, output is ${output.type}`)
    if (input && input.type !== type && input.type !== '*') problems.push(`link ${id}: type ${type}, input is ${input.type}`)
  }

  // What the frontend would save again: the same links and values.
  const again = graph.serialize()
  if (!isDeepStrictEqual(again.links, data.links)) problems.push('serialize() gives other links')
  for (const saved of data.nodes) {
    const node = again.nodes.find((n) => n.id === saved.id)
    if (!isDeepStrictEqual(node?.widgets_values ?? [], saved.widgets_values ?? []))
      problems.push(`node ${saved.id}: serialize() gives widget values ${JSON.stringify(node?.widgets_values)}`)
  }

  // What "Queue" would submit (the frontend's graph-to-prompt, reduced to widgets and links)
  // must be the API graph the workflow was built from, when that file lies beside it.
  const apiFile = file.replace(/\.json$/, '.api.json')
  if (existsSync(apiFile)) {
    const api = JSON.parse(readFileSync(apiFile, 'utf8'))
    const prompt = toPrompt(graph)
    for (const [id, node] of Object.entries(api)) {
      if (!isDeepStrictEqual(prompt[id], { class_type: node.class_type, inputs: node.inputs }))
        problems.push(`node ${id}: would be submitted as ${JSON.stringify(prompt[id])}, the API graph has ${JSON.stringify(node)}`)
    }
    if (Object.keys(prompt).length !== Object.keys(api).length) problems.push('the submitted prompt has other nodes than the API graph')
    if (process.env.PROMPT_OUT_DIR) writeFileSync(`${process.env.PROMPT_OUT_DIR}/${basename(file, '.json')}.prompt.json`, JSON.stringify(prompt))
  }

  return problems
}

function toPrompt(graph) {
  const prompt = {}
  for (const node of graph.nodes) {
    const inputs = {}
    for (const widget of node.widgets ?? []) {
      if (widget.name === 'control_after_generate' || widget.type === 'button') continue
      inputs[widget.name] = widget.value
    }
    for (const input of node.inputs ?? []) {
      const link = input.link == null ? null : graph._links.get(input.link)
      if (link) inputs[input.name] = [String(link.origin_id), link.origin_slot]
    }
    prompt[String(node.id)] = { class_type: node.type, inputs }
  }
  return prompt
}

const objectInfo = JSON.parse(readFileSync(objectInfoFile, 'utf8'))
registerNodeClasses(objectInfo)

let passed = 0
let failed = 0
for (const file of graphFiles) {
  const problems = check(file, objectInfo)
  if (problems.length === 0) {
    const data = JSON.parse(readFileSync(file, 'utf8'))
    console.log(`ok   ${file}: ${data.nodes.length} nodes, ${data.links.length} links`)
    ++passed
  } else {
    console.log(`FAIL ${file}:\n  ${problems.join('\n  ')}`)
    ++failed
  }
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
