#!/usr/bin/env python3
"""Derives compact service models from botocore and writes a C++ file that embeds them.

Usage: gen_models.py OUT_DIR SERVICE...

Reads botocore's service-2.json(.gz) for each SERVICE (newest api-version directory) from the
botocore importable by this python, else from Debian's /usr/lib/python3/dist-packages/botocore.
Strips documentation, examples, validation-only and deprecation text, and writes
OUT_DIR/<service>.json (compact) plus OUT_DIR/embedded_models.cc, which embeds the files with
`.incbin` and exposes them through protocol/embedded_models.h, together with each service's
routing index (protocol/service_routing.h: the metadata and operation keys ServiceRouter needs),
as static C++ data, so routing needs no model parse. Stdlib only.
"""

import gzip
import json
import os
import sys

DEBIAN_BOTOCORE = '/usr/lib/python3/dist-packages/botocore'

METADATA_KEYS = ('apiVersion', 'endpointPrefix', 'jsonVersion', 'protocol', 'serviceId',
                 'signingName', 'targetPrefix', 'xmlNamespace', 'awsQueryCompatible')
# Shape and member-reference keys that affect the wire format.
SHAPE_KEYS = ('type', 'required', 'payload', 'flattened', 'locationName', 'queryLocationName',
              'timestampFormat',
              'document', 'union', 'exception', 'fault', 'streaming', 'eventstream', 'event',
              'xmlNamespace')
# queryLocationName: an overlay's query-protocol name (tools/model_overlays), which json ignores.
REF_KEYS = ('shape', 'location', 'locationName', 'queryLocationName', 'flattened',
            'timestampFormat', 'jsonvalue',
            'idempotencyToken', 'hostLabel', 'xmlAttribute', 'queryName', 'eventpayload',
            'eventheader', 'streaming', 'xmlNamespace')


def find_botocore():
    try:
        import botocore  # noqa: PLC0415
        return os.path.dirname(botocore.__file__), botocore.__version__
    except ImportError:
        pass
    version = 'unknown'
    try:
        with open(os.path.join(DEBIAN_BOTOCORE, '__init__.py'), encoding='utf-8') as f:
            for line in f:
                if line.startswith('__version__'):
                    version = line.split('=', 1)[1].strip().strip('\'"')
    except OSError:
        pass
    return DEBIAN_BOTOCORE, version


def load_service(root, service):
    base = os.path.join(root, 'data', service)
    version = sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))[-1]
    directory = os.path.join(base, version)
    plain = os.path.join(directory, 'service-2.json')
    if os.path.exists(plain):
        with open(plain, encoding='utf-8') as f:
            return json.load(f)
    with gzip.open(plain + '.gz', 'rt', encoding='utf-8') as f:
        return json.load(f)


OVERLAY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'model_overlays')


def merge(base, extra):
    """Deep-merges dict `extra` into `base` (extra wins on scalars)."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v


def apply_overlay(service, model):
    """Adds tools/model_overlays/<service>.json (traits botocore drops, e.g. the query names of
    an awsQueryCompatible json service) to the raw model."""
    path = os.path.join(OVERLAY_DIR, service + '.json')
    if not os.path.exists(path):
        return model
    with open(path, encoding='utf-8') as f:
        overlay = json.load(f)
    overlay.pop('_comment', None)
    for section in ('operations', 'shapes'):
        for name in list(overlay.get(section, {})):
            if name not in model[section]:
                del overlay[section][name]
    merge(model, overlay)
    return model


def pick(src, keys):
    return {k: src[k] for k in keys if k in src}


def compact_ref(ref):
    return pick(ref, REF_KEYS)


def compact_shape(shape):
    out = pick(shape, SHAPE_KEYS)
    if 'error' in shape:
        out['error'] = pick(shape['error'], ('code', 'httpStatusCode', 'senderFault'))
    if 'members' in shape:
        out['members'] = {n: compact_ref(r) for n, r in shape['members'].items()}
    for k in ('member', 'key', 'value'):
        if k in shape:
            out[k] = compact_ref(shape[k])
    return out


def compact_operation(op):
    out = {'name': op['name'], 'http': pick(op.get('http', {}),
                                            ('method', 'requestUri', 'responseCode'))}
    if 'input' in op:
        out['input'] = pick(op['input'], ('shape', 'locationName', 'xmlNamespace'))
    if 'output' in op:
        out['output'] = pick(op['output'], ('shape', 'resultWrapper'))
    if op.get('errors'):
        out['errors'] = [e['shape'] for e in op['errors']]
    if 'endpoint' in op:
        out['endpoint'] = op['endpoint']
    return out


def compact_model(service, model, botocore_version):
    meta = pick(model['metadata'], METADATA_KEYS)
    if 'awsQueryCompatible' in meta:
        meta['awsQueryCompatible'] = True
    meta['modelName'] = service
    meta['botocoreVersion'] = botocore_version
    return {
        'metadata': meta,
        'operations': {n: compact_operation(o) for n, o in model['operations'].items()},
        'shapes': {n: compact_shape(s) for n, s in model['shapes'].items()},
    }


def first_literal_segment(request_uri):
    """The first path segment of a requestUri when it is a literal (as model.cc parses it)."""
    path = request_uri.split('?', 1)[0].rstrip('/')
    for seg in path.split('/'):
        if not seg:
            continue
        if len(seg) >= 2 and seg[0] == '{' and seg[-1] == '}':
            return None
        return seg
    return None


def routing_index(service, model):
    """What ServiceRouter needs of `model`: metadata, rest-json path prefixes, query actions;
    and every operation name, so providers' operation tables are checked without a parse."""
    meta = model['metadata']
    endpoint_prefix = meta.get('endpointPrefix', '')
    route = {
        'name': service,
        'protocol': meta.get('protocol', ''),
        'api_version': meta.get('apiVersion', ''),
        'target_prefix': meta.get('targetPrefix', ''),
        'signing_name': meta.get('signingName') or endpoint_prefix,
        'endpoint_prefix': endpoint_prefix,
        'service_id': meta.get('serviceId', ''),
        'path_prefixes': [],
        'actions': [],
        'operations': sorted(model['operations']),
    }
    if route['protocol'] == 'rest-json':
        for op in sorted(model['operations']):
            seg = first_literal_segment(model['operations'][op]['http'].get('requestUri', '/'))
            if seg is not None and seg not in route['path_prefixes']:
                route['path_prefixes'].append(seg)
    elif route['protocol'] == 'query':
        route['actions'] = sorted(model['operations'])
    return route


def c_str(text):
    return json.dumps(text, ensure_ascii=True)


def write_if_changed(path, data):
    try:
        with open(path, 'rb') as f:
            if f.read() == data:
                return
    except OSError:
        pass
    with open(path, 'wb') as f:
        f.write(data)


CC_HEAD = '''// Generated by tools/gen_models.py from botocore {version}. Do not edit.
#include "protocol/embedded_models.h"

'''


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out_dir, services = sys.argv[1], sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    root, version = find_botocore()
    asm, table, routes = [], [], []
    for service in services:
        model = compact_model(service, apply_overlay(service, load_service(root, service)),
                              version)
        routes.append(routing_index(service, model))
        data = json.dumps(model, separators=(',', ':'), sort_keys=False).encode('utf-8')
        path = os.path.abspath(os.path.join(out_dir, service + '.json'))
        write_if_changed(path, data)
        sym = 'nimbus_model_' + service.replace('-', '_')
        asm.append(f'".pushsection .rodata\\n.global {sym}\\n.hidden {sym}\\n{sym}:\\n'
                   f'.incbin \\"{path}\\"\\n.byte 0\\n.popsection\\n"')
        table.append((service, sym, len(data)))
    lines = [CC_HEAD.format(version=version)]
    lines.append('extern "C" {')
    lines += [f'extern const char {sym}[];' for _, sym, _ in table]
    lines.append('}')
    lines.append('__asm__(\n' + '\n'.join(asm) + ');\n')
    lines.append('namespace nimbus::protocol_internal {\n')
    lines.append(f'const char kBotocoreVersion[] = "{version}";\n')
    lines.append('namespace {\n')
    for i, route in enumerate(routes):
        for key in ('path_prefixes', 'actions', 'operations'):
            if route[key]:
                items = ', '.join(c_str(v) for v in route[key])
                lines.append(f'constexpr std::string_view k{key}{i}[] = {{{items}}};')
    lines.append('\n}  // namespace\n')
    lines.append('static const EmbeddedModel kModels[] = {')
    for i, ((n, sym, size), route) in enumerate(zip(table, routes)):
        fields = ', '.join(c_str(route[k]) for k in ('name', 'protocol', 'api_version',
                                                     'target_prefix', 'signing_name',
                                                     'endpoint_prefix', 'service_id'))
        spans = ', '.join(f'k{k}{i}' if route[k] else '{}'
                          for k in ('path_prefixes', 'actions', 'operations'))
        lines.append(f'    {{"{n}", {sym}, {size}, {{{fields}, {spans}}}}},')
    lines.append('};\n')
    lines.append('std::span<const EmbeddedModel> EmbeddedModels() { return kModels; }\n')
    lines.append('}  // namespace nimbus::protocol_internal\n')
    write_if_changed(os.path.join(out_dir, 'embedded_models.cc'), '\n'.join(lines).encode())
    return 0


if __name__ == '__main__':
    sys.exit(main())
